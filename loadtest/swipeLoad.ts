import { ServerMessageType, type ErrorMessage, type ReplyMessage } from '../contracts/common';
import { SessionEventType, type MatchCreatedData, type SwipeResult, type UserEventMessage } from '../contracts/session';
import { connectBenchSession } from './client/benchSession';
import type { RawRoomClient } from './client/rawRoomClient';
import { encodeHistogram, newHistogram, recordMs } from './harness/histogram';
import { SecondMaxima } from './harness/secondMaxima';
import { WarmSplit } from './harness/warmSplit';
import { connectOnTimetable, ErrorLog, onTimetable, sleep } from './harness/timetable';
import type { LoadResult, SwipesJob, WorkerMessage } from './jobs';

/** Devices acknowledge their events at most this often, as an app would. */
const ACK_DEBOUNCE_MS = 1000;
/** After the last swipe, how long replies and match notifications may still take before they count as lost. */
const DRAIN_MS = 5000;

interface Connected {
  readonly client: RawRoomClient;
  maxSeq: number;
  ackTimer: NodeJS.Timeout | undefined;
}

/**
 * Connects the worker's users, then swipes through the plan on a fixed timetable.
 * Measures each swipe's acknowledgement from its scheduled time, and each match's
 * notification from the scheduled time of the like that made it to the moment the
 * later of the two owners' devices has `match.created`.
 */
export async function runSwipes(job: SwipesJob): Promise<LoadResult> {
  const errors = new ErrorLog();
  const ack = new WarmSplit();
  const notify = new WarmSplit();
  const connect = newHistogram();
  const users: Array<Connected | undefined> = new Array(job.users.length);
  const pending = new Map<string, number>(); // ref -> scheduled time
  const matchedAt = new Map<string, number>(); // matchId -> scheduled time of the like that made it
  const notified = new Map<string, number[]>(); // matchId -> arrival of match.created, per device
  let acked = 0;
  let matches = 0;
  let closes = 0;
  let running = false;
  let seconds: SecondMaxima | undefined;

  const onMessage = (user: Connected, type: string | number, message: unknown) => {
    if (type === ServerMessageType.REPLY) {
      const reply = message as ReplyMessage<SwipeResult>;
      const scheduled = pending.get(reply.ref ?? '');
      if (scheduled === undefined) return;
      pending.delete(reply.ref!);
      ack.record(scheduled, performance.now() - scheduled);
      seconds?.record(scheduled, performance.now() - scheduled);
      acked += 1;
      if (reply.result.matched && !reply.result.repeated) {
        matches += 1;
        matchedAt.set(reply.result.matchId!, scheduled);
      }
    } else if (type === ServerMessageType.ERROR) {
      const error = message as ErrorMessage;
      if (error.ref !== undefined) pending.delete(error.ref);
      errors.add(`error ${error.code}: ${error.message}`);
    } else if (type === SessionEventType.EVENT) {
      const event = message as UserEventMessage;
      if (event.type === 'match.created') {
        const matchId = (event.data as unknown as MatchCreatedData).matchId;
        notified.set(matchId, [...(notified.get(matchId) ?? []), performance.now()]);
      }
      if (event.seq !== null && event.seq > user.maxSeq) {
        user.maxSeq = event.seq;
        user.ackTimer ??= setTimeout(() => {
          user.ackTimer = undefined;
          if (user.client.open) user.client.send('events.ack', { seq: user.maxSeq });
        }, ACK_DEBOUNCE_MS);
      }
    }
  };

  await connectOnTimetable(
    job.connectRatePerS,
    job.users.length,
    async (i) => {
      // Nothing of interest precedes session.ready (no swipe is sent before), and the await below
      // settles before the socket's next message, so every later message finds `connected` set.
      let connected: Connected | undefined;
      const client = await connectBenchSession(job.nodeUrls[i % job.nodeUrls.length]!, job.users[i]!, (type, message) => connected && onMessage(connected, type, message));
      connected = { client, maxSeq: 0, ackTimer: undefined };
      client.onClose = (code) => {
        if (running) {
          closes += 1;
          errors.add(`closed during the run (${code})`);
        }
      };
      users[i] = connected;
    },
    { connected: (ms) => recordMs(connect, ms), failed: (error) => errors.add(`connect: ${(error as Error).message}`) },
  );
  process.send?.({ type: 'ramped', connected: users.filter(Boolean).length } satisfies WorkerMessage);
  await new Promise<void>((resolve) => process.once('message', () => resolve())); // the go signal: all workers ramped

  running = true;
  const start = performance.now();
  ack.start(start, job.warmAfterS);
  notify.start(start, job.warmAfterS);
  seconds = new SecondMaxima(start);
  seconds.start();
  await onTimetable(start, 1000 / job.ratePerS, job.plan.length, (n, scheduled) => {
    const step = job.plan[n]!;
    const user = users[step.user];
    if (!user?.client.open) return errors.add('swipe for a user who is not connected');
    const ref = String(n);
    pending.set(ref, scheduled);
    user.client.send('swipe', { ref, fromCardId: job.users[step.user]!.cardId, toCardId: step.toCardId, action: step.action });
  });
  const sendWindowS = (performance.now() - start) / 1000;
  const drainUntil = performance.now() + DRAIN_MS;
  const settled = () => pending.size === 0 && [...matchedAt.keys()].every((id) => (notified.get(id)?.length ?? 0) >= 2);
  while (!settled() && performance.now() < drainUntil) await sleep(20);
  const elapsedS = (performance.now() - start) / 1000;
  running = false;
  // KISMET_BENCH_SECONDS: each second's slowest acknowledgement, as chat's deliveries.
  const timeline = seconds.stop(`load ${process.pid} acks`);
  if (process.env['KISMET_BENCH_SECONDS']) process.stdout.write(timeline);

  for (const _ of pending) errors.add('swipe unanswered');
  let notifiedMatches = 0;
  for (const [matchId, sent] of matchedAt) {
    const arrivals = notified.get(matchId) ?? [];
    if (arrivals.length < 2) {
      errors.add(`match ${matchId}: ${arrivals.length} of 2 owners notified`);
      continue;
    }
    if (arrivals.length > 2) errors.add(`match ${matchId}: notified ${arrivals.length} times`);
    notifiedMatches += 1;
    notify.record(sent, Math.max(...arrivals) - sent);
  }
  for (const user of users) {
    if (user?.ackTimer) clearTimeout(user.ackTimer);
    user?.client.close();
  }
  return {
    ops: acked,
    errors: errors.count,
    errorSamples: errors.samples,
    histograms: { ...ack.encode('ack'), ...notify.encode('notify'), connect: encodeHistogram(connect) },
    counters: { acked, matches, notifiedMatches, closes, sendWindowS, elapsedS, planned: job.plan.length },
  };
}
