import { ServerMessageType, type ErrorMessage, type ReplyMessage } from '../contracts/common';
import type { DeckResult } from '../contracts/deck';
import { connectBenchSession } from './client/benchSession';
import type { RawRoomClient } from './client/rawRoomClient';
import { encodeHistogram, newHistogram, recordMs } from './harness/histogram';
import { connectOnTimetable, ErrorLog, onTimetable, sleep } from './harness/timetable';
import type { DeckJob, LoadResult, WorkerMessage } from './jobs';

/** After the last request of a phase, how long replies may still take before they count as lost. */
const DRAIN_MS = 10_000;

/**
 * Connects the worker's searchers, then asks each for its deck once (cold: the
 * lobby builds it) on a fixed timetable, then asks again round robin (cached:
 * the session serves it) for the run's duration. Latency is from each
 * request's scheduled time to its reply.
 */
export async function runDecks(job: DeckJob): Promise<LoadResult> {
  const errors = new ErrorLog();
  const histograms = { cold: newHistogram(), cached: newHistogram(), connect: newHistogram() };
  const clients: Array<RawRoomClient | undefined> = new Array(job.users.length);
  const pending = new Map<string, { scheduled: number; phase: 'cold' | 'cached' }>();
  const counters = { cold: 0, cached: 0, cards: 0, wrongSource: 0, closes: 0 };
  let running = false;

  const onMessage = (type: string | number, message: unknown) => {
    if (type === ServerMessageType.REPLY) {
      const reply = message as ReplyMessage<DeckResult>;
      const request = pending.get(reply.ref ?? '');
      if (!request) return;
      pending.delete(reply.ref!);
      recordMs(histograms[request.phase], performance.now() - request.scheduled);
      counters[request.phase] += 1;
      counters.cards += reply.result.cards.length;
      if (reply.result.cached !== (request.phase === 'cached')) counters.wrongSource += 1;
    } else if (type === ServerMessageType.ERROR) {
      const error = message as ErrorMessage;
      if (error.ref !== undefined) pending.delete(error.ref);
      errors.add(`error ${error.code}: ${error.message}`);
    }
  };

  await connectOnTimetable(
    job.connectRatePerS,
    job.users.length,
    async (i) => {
      const client = await connectBenchSession(job.nodeUrls[i % job.nodeUrls.length]!, job.users[i]!, onMessage);
      client.onClose = (code) => {
        if (running) {
          counters.closes += 1;
          errors.add(`closed during the run (${code})`);
        }
      };
      clients[i] = client;
    },
    { connected: (ms) => recordMs(histograms.connect, ms), failed: (error) => errors.add(`connect: ${(error as Error).message}`) },
  );
  process.send?.({ type: 'ramped', connected: clients.filter(Boolean).length } satisfies WorkerMessage);
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  running = true;

  const ask = (phase: 'cold' | 'cached', n: number, scheduled: number) => {
    const i = n % job.users.length;
    const client = clients[i];
    if (!client?.open) return errors.add('deck for a user who is not connected');
    const ref = `${phase}-${n}`;
    pending.set(ref, { scheduled, phase });
    client.send('deck', { ref, cardId: job.users[i]!.cardId, limit: job.deckSize });
  };
  const drain = async () => {
    const until = performance.now() + DRAIN_MS;
    while (pending.size > 0 && performance.now() < until) await sleep(10);
  };

  const coldStart = performance.now();
  await onTimetable(coldStart, 1000 / job.coldRatePerS, job.users.length, (n, scheduled) => ask('cold', n, scheduled));
  await drain();
  const coldS = (performance.now() - coldStart) / 1000;

  const cachedTotal = Math.floor(job.cachedRatePerS * job.durationS);
  const cachedStart = performance.now();
  await onTimetable(cachedStart, 1000 / job.cachedRatePerS, cachedTotal, (n, scheduled) => ask('cached', n, scheduled));
  await drain();
  const cachedS = (performance.now() - cachedStart) / 1000;
  running = false;

  for (const _ of pending) errors.add('deck unanswered');
  if (counters.wrongSource > 0) errors.add(`${counters.wrongSource} decks not served from where the phase expects`);
  for (const client of clients) client?.close();
  return {
    ops: counters.cold + counters.cached,
    errors: errors.count,
    errorSamples: errors.samples,
    histograms: { cold: encodeHistogram(histograms.cold), cached: encodeHistogram(histograms.cached), connect: encodeHistogram(histograms.connect) },
    counters: { ...counters, coldS, cachedS, cachedPlanned: cachedTotal },
  };
}
