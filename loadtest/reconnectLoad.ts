import { ActorConnection } from '../client/actorConnection';
import { SESSION_ROOM, SessionEventType } from '../contracts/session';
import { nodeFetch } from './client/nodeFetch';
import { encodeHistogram, newHistogram, recordMs } from './harness/histogram';
import { connectOnTimetable, ErrorLog, sleep } from './harness/timetable';
import type { LoadResult, ReconnectJob, ReconnectSignal, WorkerMessage } from './jobs';

/** Outages are recorded up to ten minutes: on a loaded machine a node's users take minutes to come back. */
export const OUTAGE_CEILING_MS = 600_000;

/** One load user's session, kept up by the client library's own connection (its rejoin policy, backoff and jitter). */
interface Tracked {
  connection?: ActorConnection<unknown>;
  /** Join attempts since the connection last closed (each asks for the access token once). */
  attempts: number;
  /** Date.now() of the close and of the next `session.ready`, while or after it was down. */
  closedAtMs?: number;
  servedAgainAtMs?: number;
  closedForGood: boolean;
}

/**
 * The node-loss run, as seen from the devices: the victim users open their sessions
 * on the one node up (the victim); once the harness has started the survivors, the
 * bystanders open theirs (placement puts them on the survivors, the least loaded);
 * then the harness kills the victim, and every session it held rejoins through the
 * other nodes by itself, as `client/actorConnection.ts` does for a real device. A
 * session is served again when `session.ready` arrives on its new connection.
 */
export async function runReconnect(job: ReconnectJob): Promise<LoadResult> {
  const errors = new ErrorLog();
  const connect = newHistogram();
  let survivorUrls: readonly string[] = [];
  let killedAtMs: number | undefined;
  let finishing = false;
  const signals = (message: ReconnectSignal | { type?: undefined }) => {
    if (message.type !== 'go') return;
    if (message.stage === 'survivors') survivorUrls = message.survivorUrls;
    else killedAtMs = message.killedAtMs;
  };
  process.on('message', signals);
  const waitFor = async (ready: () => boolean) => {
    while (!ready()) await sleep(20);
  };

  const open = (user: { userId: string; accessToken: string }, i: number, tracked: Tracked) =>
    ActorConnection.open<unknown>(
      {
        // The victim first (the only node up at the first join); later joins go round the others from a
        // different one for each user, as devices given the nodes in different orders would.
        urls: () => [job.victimUrl, ...survivorUrls.slice(i % Math.max(1, survivorUrls.length)), ...survivorUrls.slice(0, i % Math.max(1, survivorUrls.length))],
        roomName: SESSION_ROOM,
        joinOptions: { userId: user.userId, deviceId: 'bench' },
        readyType: SessionEventType.READY,
        fetch: nodeFetch,
        accessToken: async () => {
          tracked.attempts += 1;
          return user.accessToken;
        },
      },
      {
        status: (status, detail) => {
          if (status === 'rejoining') {
            tracked.closedAtMs = Date.now();
            tracked.servedAgainAtMs = undefined;
            tracked.attempts = 0;
          } else if (status === 'closed' && !finishing) {
            tracked.closedForGood = true;
            errors.add(`closed for good: ${detail.closeCode ?? detail.error?.message}`);
          }
        },
        ready: (_ready, rejoined) => {
          if (rejoined) tracked.servedAgainAtMs = Date.now();
        },
      },
    ).then((connection) => {
      tracked.connection = connection;
    });

  const fresh = (): Tracked => ({ attempts: 0, closedForGood: false });
  const victims = job.victims.map(fresh);
  const bystanders = job.bystanders.map(fresh);
  const failed = (error: unknown) => errors.add(`connect: ${(error as Error).message}`);
  await connectOnTimetable(job.connectRatePerS, victims.length, (i) => open(job.victims[i]!, i, victims[i]!), { connected: (ms) => recordMs(connect, ms), failed });
  process.send?.({ type: 'ramped', connected: victims.filter((t) => t.connection).length } satisfies WorkerMessage);

  await waitFor(() => survivorUrls.length > 0);
  await connectOnTimetable(job.connectRatePerS, bystanders.length, (i) => open(job.bystanders[i]!, i, bystanders[i]!), { connected: (ms) => recordMs(connect, ms), failed });
  process.send?.({ type: 'phase', name: 'armed' } satisfies WorkerMessage);

  await waitFor(() => killedAtMs !== undefined);
  const all = [...victims, ...bystanders].filter((t) => t.connection);
  const deadline = killedAtMs! + job.recoveryTimeoutS * 1000;
  // Every victim session sees its socket reset at once; wait until each lost one is served again.
  await waitFor(
    () =>
      Date.now() >= deadline ||
      (victims.every((t) => !t.connection || t.closedAtMs !== undefined) && all.every((t) => t.closedAtMs === undefined || t.servedAgainAtMs !== undefined || t.closedForGood)),
  );
  process.off('message', signals);

  const outage = newHistogram(OUTAGE_CEILING_MS);
  // Closed by the kill or after it; a close before it (a survivor that fenced itself as the bystanders joined) is counted apart.
  const lost = all.filter((t) => t.closedAtMs !== undefined && t.closedAtMs >= killedAtMs!);
  const closedBeforeKill = all.filter((t) => t.closedAtMs !== undefined && t.closedAtMs < killedAtMs!).length;
  let lastServedMs = 0;
  let firstServedMs = Number.MAX_SAFE_INTEGER;
  let retries = 0;
  for (const t of lost) {
    retries += Math.max(0, t.attempts - 1);
    if (t.servedAgainAtMs === undefined) continue;
    const ms = Math.max(0, t.servedAgainAtMs - killedAtMs!);
    recordMs(outage, Math.min(ms, OUTAGE_CEILING_MS - 1));
    lastServedMs = Math.max(lastServedMs, ms);
    firstServedMs = Math.min(firstServedMs, ms);
  }
  const notServed = lost.filter((t) => t.servedAgainAtMs === undefined && !t.closedForGood).length;
  for (let k = 0; k < notServed; k++) errors.add(`not served again within ${job.recoveryTimeoutS} s`);
  const bystandersLost = bystanders.filter((t) => t.closedAtMs !== undefined && t.closedAtMs >= killedAtMs!).length;
  finishing = true;
  await Promise.all(all.map((t) => t.connection!.close()));
  return {
    ops: lost.length - notServed,
    errors: errors.count,
    errorSamples: errors.samples,
    histograms: { connect: encodeHistogram(connect), outage: encodeHistogram(outage) },
    counters: {
      connected: all.length,
      lost: lost.length,
      servedAgain: lost.length - notServed,
      lastServedMs,
      firstServedMs,
      retries,
      bystandersLost,
      closedBeforeKill,
    },
  };
}
