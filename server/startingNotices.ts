import type { Kysely } from 'kysely';
import { claimStartingNotices } from '../db/repositories/liveEventRepository';
import type { Database } from '../db/types';
import { countEventAttendance } from '../services/progress';
import type { UserEventBus } from '../services/topicBus';
import type { Logger } from './logger';

/** How often each node looks for events whose doors open, and for events that ended. */
export const STARTING_NOTICE_PERIOD_MS = 2_000;
/** Events that ended this long ago at most are still looked at for attendees to count. */
export const ATTENDANCE_COUNT_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Every node runs this; each registrant still hears `event.starting` once,
 * because claiming a notice is a conditional update only one node wins, and
 * each attendee who stayed to an event's end counts it once (the progress ledger).
 */
export function startStartingNotices(deps: { db: Kysely<Database>; userEvents: UserEventBus; now: () => Date; logger: Logger }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    claimStartingNotices(deps.db, deps.now())
      .then((events) => Promise.all(events.map((event) => deps.userEvents.publish(event.userId, { kind: 'stored', event }))))
      .then(() => countEventAttendance(deps, ATTENDANCE_COUNT_WINDOW_MS))
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'event.starting notices or attendance counts failed; retried next period'))
      .finally(() => (running = false));
  }, STARTING_NOTICE_PERIOD_MS);
  timer.unref();
  return () => clearInterval(timer);
}
