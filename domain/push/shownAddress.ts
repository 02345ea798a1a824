import type { PushTarget } from './notification';

/** What a person's export shows of a device's push address. */
export interface ShownPushAddress {
  /** Where its pushes go: the push service's origin for Web Push, `fcm`, `apns` or `apns-sandbox`. */
  readonly service: string;
  /** The address's last characters (Web Push: the endpoint's), enough to tell one's devices apart. */
  readonly endsWith: string;
}

/** At most this many of an address's last characters are shown, and never more than a quarter of it. */
export const SHOWN_ADDRESS_CHARACTERS = 8;

/**
 * A device's push address as its person may see it: the service and the address's end, so they
 * recognise their device, never the whole address nor a Web Push subscription's keys (its auth
 * secret is what lets a sender encrypt for the browser), so an export kept or passed on carries
 * nothing a push can be sent with.
 *
 * @example shownPushAddress({ platform: 'fcm', token: 'dQw4w9WgXcQ:APA91b…x7Yk2Lq9' }) // { service: 'fcm', endsWith: 'x7Yk2Lq9' }
 */
export function shownPushAddress(target: PushTarget): ShownPushAddress {
  switch (target.platform) {
    case 'webpush':
      return { service: originOf(target.endpoint), endsWith: tailOf(target.endpoint) };
    case 'fcm':
      return { service: 'fcm', endsWith: tailOf(target.token) };
    case 'apns':
      return { service: target.environment === 'sandbox' ? 'apns-sandbox' : 'apns', endsWith: tailOf(target.token) };
  }
}

function tailOf(address: string): string {
  const shown = Math.min(SHOWN_ADDRESS_CHARACTERS, Math.floor(address.length / 4));
  return shown === 0 ? '' : address.slice(-shown);
}

/** Endpoints were checked to be https URLs when registered; one stored otherwise shows as Web Push alone. */
function originOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return 'webpush';
  }
}
