import type { PushNotification, PushPlatform, PushTarget, PushTargetOf } from '../../domain/push/notification';
import { retryOutcome, type PushOutcome } from '../../domain/push/outcome';

/**
 * Delivers one notification to one device of its platform, over the platform's
 * real protocol. Every answer of the service, and every network failure, comes
 * back as a PushOutcome: `send` does not throw for them.
 *
 * @example
 * const outcome = await providers.fcm?.send({ platform: 'fcm', token }, notification);
 * if (outcome?.kind === 'gone') await deletePushTarget(db, deviceId);
 */
export interface PushProvider<P extends PushPlatform = PushPlatform> {
  readonly platform: P;
  send(target: PushTargetOf<P>, notification: PushNotification): Promise<PushOutcome>;
  /** Closes the provider's connections; for shutdown. */
  close(): Promise<void>;
}

/** The providers configured on this node; a platform without one is off. */
export type PushProviders = { readonly [P in PushPlatform]?: PushProvider<P> };

/** Options every provider takes besides its credentials. */
export interface PushProviderOptions {
  /** The clock, ms since the epoch: expiries, Retry-After dates and token ages are read against it. */
  readonly nowMs?: () => number;
  /** How long one request may take before it counts as a timeout (retried). */
  readonly timeoutMs?: number;
  /**
   * Certificates (PEM) trusted besides the system's: the test stand-ins' own.
   * A deployment behind a private CA sets NODE_EXTRA_CA_CERTS instead.
   */
  readonly ca?: string;
}

export const DEFAULT_PUSH_TIMEOUT_MS = 10_000;

/** Sends through the provider of the target's platform; undefined when that platform is off. */
export function sendThrough(providers: PushProviders, target: PushTarget, notification: PushNotification): Promise<PushOutcome> | undefined {
  switch (target.platform) {
    case 'webpush':
      return providers.webpush?.send(target, notification);
    case 'fcm':
      return providers.fcm?.send(target, notification);
    case 'apns':
      return providers.apns?.send(target, notification);
  }
}

/**
 * A request that got no answer (refused connection, reset, TLS failure,
 * timeout): worth another attempt, with the error's code as the detail.
 */
export function networkFailure(error: unknown, timedOut = false): PushOutcome {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const detail = code ?? (error instanceof Error ? error.message : String(error));
  return retryOutcome(timedOut ? 'timeout' : 'network', undefined, detail);
}
