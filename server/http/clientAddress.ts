import { isIPv4, isIPv6 } from 'node:net';

/**
 * The address a request came from. Behind `trustedHops` proxies that each
 * append the address they saw to X-Forwarded-For, the client's is the one the
 * outermost trusted proxy appended; whatever is left of it was written by the
 * client and proves nothing. Without trusted proxies the socket's peer is the client.
 */
export function clientAddress(socketAddress: string, forwardedFor: string | undefined, trustedHops: number): string {
  if (trustedHops === 0 || !forwardedFor) return socketAddress;
  const hops = forwardedFor.split(',').map((h) => h.trim()).filter((h) => h.length > 0);
  return hops[hops.length - trustedHops] ?? hops[0] ?? socketAddress;
}

/** How many leading bits of an IPv6 address one host holds: a /64 is an ordinary home's or server's allocation. */
export const IPV6_HOST_PREFIX_BITS = 64;

/**
 * What a per-address limit counts a client address as: an IPv4 address itself
 * (also when written IPv4-mapped, `::ffff:a.b.c.d`, as the server's socket reports
 * IPv4 peers); for IPv6 its /64, written `2001:db8:0:1::/64`, since one host
 * changes its source address within its /64 at will. A port or zone id goes;
 * text that is no address (a proxy's `unknown`) is counted as itself.
 * @example rateLimitAddress('2001:db8::1') // '2001:db8:0:0::/64'
 */
export function rateLimitAddress(address: string): string {
  const text = withoutPort(address.trim());
  if (isIPv4(text)) return text;
  const groups = ipv6Groups(text.replace(/%.*$/, ''));
  if (!groups) return address;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  return `${groups.slice(0, IPV6_HOST_PREFIX_BITS / 16).map((g) => g.toString(16)).join(':')}::/${IPV6_HOST_PREFIX_BITS}`;
}

/** `[v6]:port` and `a.b.c.d:port` as some proxies write them, without the port. */
function withoutPort(text: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  return v4 ? v4[1]! : text;
}

/** The eight 16-bit groups of an IPv6 address in any of its written forms, or undefined for anything else. */
function ipv6Groups(text: string): number[] | undefined {
  if (!isIPv6(text)) return undefined;
  // A dotted IPv4 tail (`::ffff:1.2.3.4`) is the last two groups.
  const hex = text.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`);
  const [head = '', tail] = hex.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const groups = [...left, ...zeros, ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}
