import { LIVE_EVENT_ROOM, LiveEventMessageType, type LiveEventReady } from '../contracts/liveEvents';
import { RawRoomClient, reserveSeat } from './client/rawRoomClient';
import { runHoldTraffic, type HoldFigures } from './eventHoldLoad';
import { encodeHistogram, newHistogram, recordMs } from './harness/histogram';
import { ErrorLog, sleep } from './harness/timetable';
import type { EventJoinJob, LoadResult, WorkerMessage } from './jobs';

/** How long an attendee waits for `event.ready`. */
const READY_TIMEOUT_MS = 15_000;

/** Resolves at the harness's next go signal. */
const nextGo = () => new Promise<void>((resolve) => process.once('message', () => resolve()));

/**
 * The burst: at the go signal every attendee of this worker joins the event at
 * once (join latency: from the signal to `event.ready`); after the hold they
 * all leave at once (leave latency: from the leave request to the server
 * closing the connection). With raisers or talkers, the hold is the traffic of
 * eventHoldLoad.ts, started and ended at the harness's signals (phases `joined`
 * and `traffic`), so that its CPU can be read apart.
 */
export async function runEventJoin(job: EventJoinJob): Promise<LoadResult> {
  const errors = new ErrorLog();
  const join = newHistogram();
  const seat = newHistogram();
  const leave = newHistogram();
  const started = nextGo();
  process.send?.({ type: 'ramped', connected: 0 } satisfies WorkerMessage);
  await started;

  const burst = performance.now();
  const clients = await Promise.all(
    job.users.map(async (user, i) => {
      try {
        const url = job.nodeUrls[i % job.nodeUrls.length]!;
        const reservation = await reserveSeat(url, LIVE_EVENT_ROOM, { eventId: job.eventId }, user.accessToken);
        recordMs(seat, performance.now() - burst);
        const client = await RawRoomClient.connect(url, reservation);
        // The event names each attendee by their alias in it, which its ready message tells them.
        const alias = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no event.ready')), READY_TIMEOUT_MS);
          client.onMessage = (type, message) => {
            if (type === LiveEventMessageType.READY) {
              clearTimeout(timer);
              resolve((message as LiveEventReady).alias);
            }
          };
        });
        recordMs(join, performance.now() - burst);
        return { client, alias };
      } catch (error) {
        errors.add(`join: ${(error as Error).message}`);
        return undefined;
      }
    }),
  );
  const attendees = clients.filter((c): c is { client: RawRoomClient; alias: string } => c !== undefined);
  const joined = attendees.map((a) => a.client);
  let traffic: HoldFigures | undefined;
  if (job.raisers + job.talkers > 0) {
    traffic = await betweenSignals('joined', () => runHoldTraffic(attendees, Math.min(job.raisers, attendees.length), job.talkers, job.holdS, errors));
    await betweenSignals('traffic', async () => undefined);
  } else {
    await sleep(job.holdS * 1000);
  }
  const held = joined.filter((c) => c.open).length;
  if (held < joined.length) errors.add(`${joined.length - held} attendees dropped during the hold`);
  await Promise.all(
    joined.filter((c) => c.open).map(async (client) => {
      const started = performance.now();
      await client.leave();
      recordMs(leave, performance.now() - started);
    }),
  );
  return {
    ops: joined.length,
    errors: errors.count,
    errorSamples: errors.samples,
    histograms: {
      join: encodeHistogram(join),
      seat: encodeHistogram(seat),
      leave: encodeHistogram(leave),
      ...Object.fromEntries(Object.entries(traffic?.histograms ?? {}).map(([name, histogram]) => [name, encodeHistogram(histogram)])),
    },
    counters: { joined: joined.length, held, ...traffic?.counters },
  };
}

/** Reports `phase` to the harness, waits for its go signal, then runs `work`. */
async function betweenSignals<T>(phase: string, work: () => Promise<T>): Promise<T> {
  const go = nextGo();
  process.send?.({ type: 'phase', name: phase } satisfies WorkerMessage);
  await go;
  return work();
}
