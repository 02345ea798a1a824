import ipaddr from 'ipaddr.js';

/** Whether an address (as a socket reports it, or as a proxy wrote it in X-Forwarded-For) is one of the proxies in front. */
export type IsTrustedProxy = (address: string) => boolean;

/** No proxy in front: every request's socket peer is its client. */
export const NO_TRUSTED_PROXIES: IsTrustedProxy = () => false;

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Parses `TRUSTED_PROXIES`: comma-separated address ranges (`10.0.0.0/8`,
 * `2001:db8::/32`) or single addresses (`127.0.0.1`, `::1`), as the ranges'
 * CIDR text (`10.0.0.0/8`, `127.0.0.1/32`). A range that takes every address
 * (`/0`) is refused: any client could then name its own address. So is the
 * retired `TRUSTED_PROXY_HOPS` (other than 0): left unread, every client behind
 * the proxies would share the proxy's address, and its limits. Problems name
 * the bad entry.
 */
export function parseTrustedProxies(text: string | undefined, retiredHops: string | undefined, problems: string[]): readonly string[] {
  if (retiredHops !== undefined && retiredHops.trim() !== '0') {
    problems.push('TRUSTED_PROXY_HOPS: replaced by TRUSTED_PROXIES, the address ranges of the proxies in front (X-Forwarded-For is believed from them alone)');
  }
  const ranges: string[] = [];
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter((e) => e.length > 0)) {
    const range = parseRange(entry);
    if (range === undefined) {
      problems.push(`TRUSTED_PROXIES: "${entry}" is not an address or an address range (such as 10.0.0.0/8 or 2001:db8::/32)`);
    } else if (range[1] === 0) {
      problems.push(`TRUSTED_PROXIES: "${entry}" trusts every address, so any client could name its own; list the proxies' ranges`);
    } else {
      ranges.push(`${range[0].toString()}/${range[1]}`);
    }
  }
  return ranges;
}

/**
 * The test of the ranges `parseTrustedProxies` returned. An IPv4 peer, which the
 * node's socket reports IPv4-mapped (`::ffff:a.b.c.d`), is in an IPv4 range.
 * @example trustedProxies(['10.0.0.0/8'])('::ffff:10.1.2.3') // true
 */
export function trustedProxies(cidrs: readonly string[]): IsTrustedProxy {
  if (cidrs.length === 0) return NO_TRUSTED_PROXIES;
  const ranges = cidrs.map((cidr) => {
    const range = parseRange(cidr);
    if (range === undefined) throw new Error(`not an address range: ${cidr}`);
    return range;
  });
  return (text) => {
    const address = parseAddress(withoutPort(text.trim()));
    if (address === undefined) return false;
    const forms = address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? [address, (address as ipaddr.IPv6).toIPv4Address()] : [address];
    return ranges.some(([network, bits]) => forms.some((form) => form.kind() === network.kind() && form.match(network, bits)));
  };
}

function parseRange(text: string): [Address, number] | undefined {
  const slash = text.indexOf('/');
  const address = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (address === undefined || address.toString().includes('%')) return undefined;
  const max = address.kind() === 'ipv4' ? 32 : 128;
  if (slash < 0) return [address, max];
  const bits = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return undefined;
  return [address, Number(bits)];
}

/** An IPv4 address in its four-part decimal form alone (no `10.1`, no hex), or an IPv6 address. */
function parseAddress(text: string): Address | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return undefined;
}

/** `[v6]:port` and `a.b.c.d:port` as some proxies write them, without the port. */
export function withoutPort(text: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  return v4 ? v4[1]! : text;
}
