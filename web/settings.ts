/**
 * The Kismet node the app talks to: the origin that served the page (every node serves
 * the app at /app/), or, for a copy of the app hosted apart from its nodes, the node its
 * page names: `<meta name="kismet-node" content="https://kismet.example.com">` in index.html.
 * Nothing in the address chooses it: a link could otherwise point a signed-in person's app,
 * and with it their tokens and next password, at any server.
 */
export function nodeUrl(): string {
  const named = document.querySelector<HTMLMetaElement>('meta[name="kismet-node"]')?.content;
  if (!named) return location.origin;
  const url = new URL(named);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`kismet-node: ${named} is not an http(s) origin`);
  return url.origin;
}

/** Earlier versions kept a server chosen by the address (`?server=`) under this key: it goes, unread. */
export function dropRetiredSettings(): void {
  localStorage.removeItem('kismet.server');
}

/** A stable id for this browser, as a device of the account. */
export function deviceId(): string {
  const key = 'kismet.device';
  let id = localStorage.getItem(key);
  if (!id) {
    id = `web-${globalThis.crypto.randomUUID().slice(0, 8)}`;
    localStorage.setItem(key, id);
  }
  return id;
}
