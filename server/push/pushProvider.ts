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
  /** `signal` aborts when the caller stops waiting (its deadline): the request is given up, queued or sent, as DEADLINE_PASSED. */
  send(target: PushTargetOf<P>, notification: PushNotification, signal?: AbortSignal): Promise<PushOutcome>;
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

/** A send given up when its caller's deadline passed (the service may have seen it): a timeout, to retry. */
export const DEADLINE_PASSED: PushOutcome = Object.freeze(retryOutcome('timeout', undefined, 'deadline'));

/**
 * Sends through the provider of the target's platform; undefined when that
 * platform is off. With a `signal`, the outcome is DEADLINE_PASSED as soon as
 * it aborts, whatever the provider is still waiting for.
 */
export function sendThrough(providers: PushProviders, target: PushTarget, notification: PushNotification, signal?: AbortSignal): Promise<PushOutcome> | undefined {
  const sending = providerSend(providers, target, notification, signal);
  if (!sending || !signal) return sending;
  if (signal.aborted) return Promise.resolve(DEADLINE_PASSED);
  let passed: () => void = () => undefined;
  const deadline = new Promise<PushOutcome>((resolve) => {
    passed = () => resolve(DEADLINE_PASSED);
    signal.addEventListener('abort', passed, { once: true });
  });
  return Promise.race([sending, deadline]).finally(() => signal.removeEventListener('abort', passed));
}

function providerSend(providers: PushProviders, target: PushTarget, notification: PushNotification, signal: AbortSignal | undefined): Promise<PushOutcome> | undefined {
  switch (target.platform) {
    case 'webpush':
      return providers.webpush?.send(target, notification, signal);
    case 'fcm':
      return providers.fcm?.send(target, notification, signal);
    case 'apns':
      return providers.apns?.send(target, notification, signal);
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
