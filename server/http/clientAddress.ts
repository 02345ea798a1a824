import ipaddr from 'ipaddr.js';
import { withoutPort, type IsTrustedProxy } from './trustedProxies';

/**
 * The address a request came from. A proxy in front (`isTrustedProxy`, config
 * TRUSTED_PROXIES) appends the address it saw to X-Forwarded-For, so the
 * entries are read from the right, from the socket's peer on: each one a
 * trusted proxy wrote is believed, and the first address that is no trusted
 * proxy is the client. Whatever is left of it was written by the client and
 * proves nothing; from a peer that is no trusted proxy, none of the header is.
 * A trusted peer that sent no entry (its own health check) is the client itself.
 * @example clientAddress('10.0.0.2', 'forged, 203.0.113.7', trustedProxies(['10.0.0.0/8'])) // '203.0.113.7'
 */
export function clientAddress(socketAddress: string, forwardedFor: string | undefined, isTrustedProxy: IsTrustedProxy): string {
  let client = socketAddress;
  const entries = (forwardedFor ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  while (isTrustedProxy(client) && entries.length > 0) client = entries.pop()!;
  return client;
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

