import ipaddr from 'ipaddr.js';

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
 * IPv4 peers); for IPv6 its /64, written `2001:db8::/64`, since one host
 * changes its source address within its /64 at will. A port or zone id goes;
 * text that is no address (a proxy's `unknown`) is counted as itself.
 * @example rateLimitAddress('2001:db8::1') // '2001:db8::/64'
 */
export function rateLimitAddress(address: string): string {
  const text = withoutPort(address.trim());
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text).toString();
  if (!ipaddr.IPv6.isValid(text)) return address;
  const v6 = ipaddr.IPv6.parse(text);
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${v6.toString()}/${IPV6_HOST_PREFIX_BITS}`).toString()}/${IPV6_HOST_PREFIX_BITS}`;
}

/** `[v6]:port` and `a.b.c.d:port` as some proxies write them, without the port. */
function withoutPort(text: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  return v4 ? v4[1]! : text;
}
