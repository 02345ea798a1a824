import type { Logger } from '../logger';
import { ApnsProvider } from './apnsProvider';
import { FcmProvider } from './fcmProvider';
import type { PushConfig } from './pushConfig';
import type { PushProviderOptions, PushProviders } from './pushProvider';
import { WebPushProvider } from './webPushProvider';

/**
 * The providers `config.push` turns on; a platform without settings has none.
 *
 * @example
 * const providers = createPushProviders(config.push, { logger });
 * // ... on shutdown:
 * await closePushProviders(providers);
 */
export function createPushProviders(config: PushConfig, options: PushProviderOptions & { readonly logger: Logger }): PushProviders {
  return {
    ...(config.webPush ? { webpush: new WebPushProvider({ ...options, vapid: config.webPush }) } : {}),
    ...(config.fcm ? { fcm: new FcmProvider({ ...options, account: config.fcm }) } : {}),
    ...(config.apns ? { apns: new ApnsProvider({ ...options, credentials: config.apns }) } : {}),
  };
}

export async function closePushProviders(providers: PushProviders): Promise<void> {
  await Promise.all(Object.values(providers).map((provider) => provider.close()));
}
