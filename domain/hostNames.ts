/**
 * Host names an operator allows a URL to point at, and the check of a URL against
 * them: the host itself or any host below it (`cdn.media.example` is on `media.example`).
 */

/** Whether `url` parses and its host is one of `hosts` or below one of them. */
export function urlOnHosts(url: string, hosts: readonly string[]): boolean {
  const parsed = parsedUrl(url);
  return parsed !== undefined && hostOnHosts(parsed.hostname, hosts);
}

function hostOnHosts(hostname: string, hosts: readonly string[]): boolean {
  const host = hostname.toLowerCase();
  return hosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`));
}

function parsedUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * Where photos and chat media may be served from (MEDIA_HOSTS): the app's own
 * storage. A device fetches what a card's photo or a media message names as it
 * shows it, so a URL on a host of the sender's choosing would tell the sender the
 * network address, and so roughly where, of everyone who looks, and when.
 * `any`: any https host (a development node's default).
 */
export type MediaHosts = 'any' | readonly string[];

/** Whether a photo's or a media message's URL is https and on the media hosts. */
export function mediaUrlAllowed(url: string, hosts: MediaHosts): boolean {
  const parsed = parsedUrl(url);
  return parsed?.protocol === 'https:' && (hosts === 'any' || hostOnHosts(parsed.hostname, hosts));
}
