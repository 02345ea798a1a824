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
