import type { Histogram } from 'hdr-histogram-js';
import { ServerMessageType } from '../contracts/common';
import { LiveEventMessageType } from '../contracts/liveEvents';
import { ErrorCode } from '../domain/errors';
import type { RawRoomClient } from './client/rawRoomClient';
import { newHistogram, recordMs } from './harness/histogram';
import { ErrorLog, sleep } from './harness/timetable';

/** Attendees of one load process whose views are timed (the others are counted only). */
const OBSERVERS = 50;
/** Each raiser changes its hand, and each talker says something, once a second: the event buckets' sustained rate. */
const PERIOD_MS = 1_000;

export interface HoldFigures {
  readonly histograms: Record<'hand_reply' | 'hand_seen' | 'say_reply' | 'say_seen', Histogram>;
  readonly counters: Record<string, number>;
}

/** A connected attendee and their alias in the event, which names their hand in the queues the others are sent. */
type Attendee = { readonly client: RawRoomClient; readonly alias: string };

/**
 * What attendees do through an event's hold: for `seconds`, the first `raisers`
 * raise and lower their hands in turn and the next `talkers` say something, each
 * once a second, starting spread over the first second. Every attendee counts
 * the `hands` and `chat` messages it gets (and the aliases the queues carry); up to
 * OBSERVERS of the others also time how long until a raise first appears in
 * their view of the queue, and until each thing said reaches them (one clock:
 * the actors and the observers are in this process).
 */
export async function runHoldTraffic(attendees: readonly Attendee[], raisers: number, talkers: number, seconds: number, errors: ErrorLog): Promise<HoldFigures> {
  const histograms = { hand_reply: newHistogram(), hand_seen: newHistogram(), say_reply: newHistogram(), say_seen: newHistogram() };
  const counters = {
    hand_changes: 0, hand_refused: 0, hand_unanswered: 0, hand_views_timed: 0, hands_messages: 0, hands_ids: 0,
    said: 0, say_slowed: 0, say_refused: 0, say_unanswered: 0, chat_messages: 0,
  };
  /** When each raiser's hand still up was raised, and when each text was said. */
  const raisedAt = new Map<string, number>();
  const saidAt = new Map<string, number>();
  const seenBy = new Map<RawRoomClient, Map<string, number>>(attendees.slice(raisers + talkers, raisers + talkers + OBSERVERS).map((o) => [o.client, new Map()]));
  const pending = new Map<string, { at: number; kind: 'hand' | 'say' }>();
  let nextRef = 0;

  const onHands = (observer: Map<string, number> | undefined, hands: readonly string[]) => {
    counters.hands_messages += 1;
    counters.hands_ids += hands.length;
    if (!observer) return;
    const now = performance.now();
    for (const id of hands) {
      const at = raisedAt.get(id);
      if (at !== undefined && observer.get(id) !== at) {
        observer.set(id, at);
        recordMs(histograms.hand_seen, now - at);
      }
    }
  };
  const onAnswer = (type: string | number, message: { ref?: string; code?: string }) => {
    const sent = message.ref === undefined ? undefined : pending.get(message.ref);
    if (!sent) return;
    pending.delete(message.ref!);
    recordMs(sent.kind === 'hand' ? histograms.hand_reply : histograms.say_reply, performance.now() - sent.at);
    if (type === ServerMessageType.REPLY) counters[sent.kind === 'hand' ? 'hand_changes' : 'said'] += 1;
    // A busy event's chat keeps its pace: the saying is answered, and told when to try again.
    else if (sent.kind === 'say' && message.code === ErrorCode.SLOW_MODE) counters.say_slowed += 1;
    else {
      counters[sent.kind === 'hand' ? 'hand_refused' : 'say_refused'] += 1;
      errors.add(`${sent.kind}: ${message.code}`);
    }
  };
  for (const { client } of attendees) {
    const observer = seenBy.get(client);
    client.onMessage = (type, message) => {
      if (type === LiveEventMessageType.HANDS) onHands(observer, (message as { hands: string[] }).hands);
      else if (type === LiveEventMessageType.CHAT) {
        counters.chat_messages += 1;
        const at = observer && saidAt.get((message as { text: string }).text);
        if (at !== undefined) recordMs(histograms.say_seen, performance.now() - at);
      } else if (type === ServerMessageType.REPLY || type === ServerMessageType.ERROR) onAnswer(type, message as { ref?: string; code?: string });
    };
  }

  const end = performance.now() + seconds * 1000;
  const actors = raisers + talkers;
  await Promise.all(
    attendees.slice(0, actors).map(async ({ client, alias }, i) => {
      await sleep((i / actors) * PERIOD_MS);
      for (let n = 0; performance.now() < end && client.open; n++) {
        const ref = `r${++nextRef}`;
        const at = performance.now();
        if (i < raisers) {
          const up = n % 2 === 0;
          if (up) raisedAt.set(alias, at);
          else raisedAt.delete(alias);
          pending.set(ref, { at, kind: 'hand' });
          client.send(up ? 'hand.raise' : 'hand.lower', { ref });
        } else {
          const text = `${alias.slice(0, 8)} ${n}`;
          saidAt.set(text, at);
          pending.set(ref, { at, kind: 'say' });
          client.send('say', { text, ref });
        }
        await sleep(PERIOD_MS);
      }
    }),
  );
  // The last answers, and the last views, before the attendees leave.
  await sleep(2 * PERIOD_MS);
  for (const { kind } of pending.values()) counters[kind === 'hand' ? 'hand_unanswered' : 'say_unanswered'] += 1;
  counters.hand_views_timed = histograms.hand_seen.totalCount;
  if (pending.size > 0) errors.add(`${pending.size} hand changes or sayings unanswered`);
  return { histograms, counters };
}
