import type { PushNotification } from '../../../domain/push/notification';
import type { PushOutcome, Shaped } from '../../../domain/push/outcome';

/** A notification of a new message, expiring an hour after `nowMs`; `overrides` change any field. */
export function messageNotification(nowMs: number, overrides: Partial<PushNotification> = {}): PushNotification {
  return {
    id: 'evt-42-dev-7',
    collapseKey: 'thread-9f86d081884c7d659a2feaa0c',
    priority: 'normal',
    expiresAtMs: nowMs + 3_600_000,
    badge: 3,
    title: 'New message',
    body: '',
    data: { type: 'message.received', threadId: '9f86d081-884c-7d65-9a2f-eaa0c55ad015', unread: 3 },
    ...overrides,
  };
}

/** The request of a notification that could be shaped; fails the test otherwise. */
export function ready<T>(shaped: Shaped<T>): T {
  if (shaped.kind !== 'ready') throw new Error(`expected a request, got ${JSON.stringify(shaped.outcome)}`);
  return shaped.request;
}

/** Why a notification could not be shaped; fails the test if it could. */
export function refusal<T>(shaped: Shaped<T>): PushOutcome {
  if (shaped.kind !== 'refused') throw new Error('expected a refusal, got a request');
  return shaped.outcome;
}
