/**
 * Whether a request path is one Kismet routes as written. Routers that
 * normalise paths (resolving `/./`, `//`, `%2e`, `%2f`) would let a crafted
 * path reach a route that the exact-match routes never saw, so such paths are
 * refused before any routing: no dot segments, no empty segments, no encoded
 * dots, slashes, backslashes or NULs, no raw backslashes or control characters.
 */
export function isCanonicalPath(path: string): boolean {
  if (!path.startsWith('/')) return false;
  if (/[\\\u0000-\u001f\u007f]/.test(path)) return false;
  if (/%(2e|2f|5c|00)/i.test(path)) return false;
  const segments = path.slice(1).split('/');
  // A trailing slash leaves one empty segment at the end; an empty one elsewhere is a doubled slash.
  return segments.every((segment, i) => (segment !== '' || i === segments.length - 1) && segment !== '.' && segment !== '..');
}
