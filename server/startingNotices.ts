import type { Kysely } from 'kysely';
import { claimStartingNotices } from '../db/repositories/liveEventRepository';
import type { Database } from '../db/types';
import type { UserEventBus } from '../services/topicBus';
import type { Logger } from './logger';

/** How often each node looks for events whose doors open. */
export const STARTING_NOTICE_PERIOD_MS = 2_000;

/**
 * Every node runs this; each registrant still hears `event.starting` once,
 * because claiming a notice is a conditional update only one node wins.
 */
export function startStartingNotices(deps: { db: Kysely<Database>; userEvents: UserEventBus; now: () => Date; logger: Logger }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    claimStartingNotices(deps.db, deps.now())
      .then((events) => Promise.all(events.map((event) => deps.userEvents.publish(event.userId, { kind: 'stored', event }))))
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'event.starting notices failed; retried next period'))
      .finally(() => (running = false));
  }, STARTING_NOTICE_PERIOD_MS);
  timer.unref();
  return () => clearInterval(timer);
}
