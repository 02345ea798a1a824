import type { Histogram } from 'hdr-histogram-js';
import { ServerMessageType } from '../contracts/common';
import { LiveEventMessageType } from '../contracts/liveEvents';
import type { RawRoomClient } from './client/rawRoomClient';
import { newHistogram, recordMs } from './harness/histogram';
import { ErrorLog, sleep } from './harness/timetable';

/** Attendees of one load process whose views are timed (the others are counted only). */
const OBSERVERS = 50;
/** A raiser changes its hand once a second: the event's sustained limit for `hand.raise` and `hand.lower`. */
const TOGGLE_MS = 1_000;

export interface HandsFigures {
  readonly reply: Histogram;
  readonly seen: Histogram;
  readonly counters: Record<string, number>;
}

/**
 * The hand-raise queue under traffic: for `seconds`, the first `raisers` of
 * `attendees` raise and lower their hands in turn, once a second each, starting
 * spread over the first second. Every attendee counts the `hands` messages it
 * gets and the ids they carry; up to OBSERVERS of the others also time, for each
 * raise, how long until it first appears in their view (one clock: raisers and
 * observers are in this process).
 */
export async function runHands(
  attendees: ReadonlyArray<{ readonly client: RawRoomClient; readonly userId: string }>,
  raisers: number,
  seconds: number,
  errors: ErrorLog,
): Promise<HandsFigures> {
  const reply = newHistogram();
  const seen = newHistogram();
  const counters = { hand_changes: 0, hand_refused: 0, hand_unanswered: 0, hand_views_timed: 0, hands_messages: 0, hands_ids: 0 };
  /** When each raiser's hand still up was raised. */
  const raisedAt = new Map<string, number>();
  const seenBy = new Map<RawRoomClient, Map<string, number>>(attendees.slice(raisers, raisers + OBSERVERS).map((o) => [o.client, new Map()]));
  const pending = new Map<string, number>();
  let nextRef = 0;

  for (const { client } of attendees) {
    client.onMessage = (type, message) => {
      if (type === LiveEventMessageType.HANDS) {
        const hands = (message as { hands: string[] }).hands;
        counters.hands_messages += 1;
        counters.hands_ids += hands.length;
        const mine = seenBy.get(client);
        if (!mine) return;
        const now = performance.now();
        for (const id of hands) {
          const at = raisedAt.get(id);
          if (at !== undefined && mine.get(id) !== at) {
            mine.set(id, at);
            recordMs(seen, now - at);
          }
        }
      } else if (type === ServerMessageType.REPLY || type === ServerMessageType.ERROR) {
        const { ref } = message as { ref?: string };
        const sentAt = ref === undefined ? undefined : pending.get(ref);
        if (sentAt === undefined) return;
        pending.delete(ref!);
        recordMs(reply, performance.now() - sentAt);
        if (type === ServerMessageType.REPLY) counters.hand_changes += 1;
        else {
          counters.hand_refused += 1;
          errors.add(`hand: ${(message as { code?: string }).code}`);
        }
      }
    };
  }

  const end = performance.now() + seconds * 1000;
  await Promise.all(
    attendees.slice(0, raisers).map(async ({ client, userId }, i) => {
      await sleep((i / raisers) * TOGGLE_MS);
      for (let up = true; performance.now() < end && client.open; up = !up) {
        const ref = `h${++nextRef}`;
        const at = performance.now();
        pending.set(ref, at);
        if (up) raisedAt.set(userId, at);
        else raisedAt.delete(userId);
        client.send(up ? 'hand.raise' : 'hand.lower', { ref });
        await sleep(TOGGLE_MS);
      }
    }),
  );
  // The last answers, and the last views, before the attendees leave.
  await sleep(2 * TOGGLE_MS);
  counters.hand_unanswered = pending.size;
  counters.hand_views_timed = seen.totalCount;
  if (pending.size > 0) errors.add(`${pending.size} hand changes unanswered`);
  return { reply, seen, counters };
}
