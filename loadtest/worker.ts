import WebSocket from 'ws';
import { ServerMessageType, type ErrorMessage, type ReplyMessage } from '../contracts/common';
import { type RawRoomClient, decodeRoomData, encodeRoomData } from './client/rawRoomClient';
import { connectBenchSession } from './client/benchSession';
import { encodeHistogram, newHistogram, recordMs } from './harness/histogram';
import type { ConnectionsJob, EchoJob, LoadJob, LoadResult, WorkerMessage } from './jobs';
import { connectOnTimetable, ErrorLog, onTimetable, sleep } from './harness/timetable';
import { runChat } from './chatLoad';
import { runSwipes } from './swipeLoad';
import { runDecks } from './deckLoad';
import { runEventJoin } from './eventJoinLoad';
import { runReconnect } from './reconnectLoad';

/** How long the hold's last heartbeats may take to be answered before they count as unanswered. */
const LAST_REPLIES_WAIT_MS = 5000;

async function runConnections(job: ConnectionsJob): Promise<LoadResult> {
  const errors = new ErrorLog();
  const connect = newHistogram();
  const heartbeat = newHistogram();
  const clients: Array<RawRoomClient | undefined> = new Array(job.users.length);
  const pending = new Map<string, number>();
  let holding = false;
  /** Set before this worker closes its own connections. */
  let finished = false;
  let unexpectedCloses = 0;
  let replies = 0;

  await connectOnTimetable(
    job.connectRatePerS,
    job.users.length,
    async (i) => {
      const client = await connectBenchSession(job.nodeUrls[i % job.nodeUrls.length]!, job.users[i]!, (type, message) => {
        if (type === ServerMessageType.REPLY) {
          const started = pending.get((message as ReplyMessage).ref ?? '');
          if (started !== undefined) {
            pending.delete((message as ReplyMessage).ref!);
            recordMs(heartbeat, performance.now() - started);
            replies += 1;
          }
        } else if (type === ServerMessageType.ERROR) {
          errors.add(`error ${(message as ErrorMessage).code}`);
        }
      });
      client.onClose = (code) => {
        if (finished) return;
        unexpectedCloses += 1;
        errors.add(`closed during ${holding ? 'hold' : 'ramp'} (${code})`);
      };
      clients[i] = client;
    },
    { connected: (ms) => recordMs(connect, ms), failed: (error) => errors.add(`connect: ${(error as Error).message}`) },
  );
  const connected = clients.filter(Boolean).length;
  process.send?.({ type: 'ramped', connected } satisfies WorkerMessage);

  holding = true;
  const live = clients.map((c, i) => [c, i] as const).filter((entry): entry is readonly [RawRoomClient, number] => entry[0] !== undefined);
  const beats = live.length === 0 ? 0 : Math.floor((job.holdS * 1000) / job.heartbeatIntervalMs) * live.length;
  const holdStart = performance.now();
  await onTimetable(holdStart, job.heartbeatIntervalMs / Math.max(1, live.length), beats, (n, scheduled) => {
    const [client] = live[n % live.length]!;
    if (!client.open) return;
    const ref = String(n);
    pending.set(ref, scheduled);
    client.send('heartbeat', { ref });
  });
  const holdEnd = holdStart + job.holdS * 1000;
  while (performance.now() < holdEnd) await sleep(50);
  // The last beats' replies land, or 5 s pass: a beat not answered by then is an error.
  const repliesDeadline = performance.now() + LAST_REPLIES_WAIT_MS;
  while (pending.size > 0 && performance.now() < repliesDeadline) await sleep(10);
  for (const _ of pending) errors.add('heartbeat unanswered');
  const held = live.filter(([c]) => c.open).length;
  holding = false;
  finished = true;
  for (const [client] of live) client.close();
  return {
    ops: replies,
    errors: errors.count,
    errorSamples: errors.samples,
    histograms: { connect: encodeHistogram(connect), heartbeat: encodeHistogram(heartbeat) },
    counters: { connected, held, unexpectedCloses, heartbeats: replies, holdS: job.holdS },
  };
}

async function runEcho(job: EchoJob): Promise<LoadResult> {
  const errors = new ErrorLog();
  const rtt = newHistogram();
  const pending = new Map<string, number>();
  let echoes = 0;
  const sockets = await Promise.all(
    Array.from({ length: job.connections }, () =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(job.url, { perMessageDeflate: false });
        ws.binaryType = 'nodebuffer';
        ws.on('open', () => resolve(ws));
        ws.on('error', reject);
        ws.on('message', (data: Buffer) => {
          const frame = decodeRoomData(data);
          const ref = (frame?.message as { ref?: string } | undefined)?.ref ?? '';
          const started = pending.get(ref);
          if (started === undefined) return errors.add('unexpected echo');
          pending.delete(ref);
          recordMs(rtt, performance.now() - started);
          echoes += 1;
        });
      }),
    ),
  );
  const total = Math.floor(job.ratePerS * job.durationS);
  const start = performance.now();
  await onTimetable(start, 1000 / job.ratePerS, total, (n, scheduled) => {
    const ref = String(n);
    pending.set(ref, scheduled);
    sockets[n % sockets.length]!.send(encodeRoomData('heartbeat', { ref }));
  });
  const sentAllMs = performance.now() - start;
  const deadline = performance.now() + 5000;
  while (pending.size > 0 && performance.now() < deadline) await sleep(10);
  const elapsedS = (performance.now() - start) / 1000;
  for (const _ of pending) errors.add('echo lost');
  for (const ws of sockets) ws.close();
  return {
    ops: echoes,
    errors: errors.count,
    errorSamples: errors.samples,
    histograms: { rtt: encodeHistogram(rtt) },
    counters: { echoes, elapsedS, sendWindowS: sentAllMs / 1000 },
  };
}

process.on('message', (job: LoadJob | { kind?: undefined }) => {
  if (job.kind === undefined) return; // a signal to a running job, not a job
  const run =
    job.kind === 'connections' ? runConnections(job) : job.kind === 'swipes' ? runSwipes(job) : job.kind === 'chat' ? runChat(job) : job.kind === 'deck' ? runDecks(job) : job.kind === 'event-join' ? runEventJoin(job) : job.kind === 'reconnect' ? runReconnect(job) : runEcho(job);
  run.then(
    (result) => process.send?.({ type: 'result', result } satisfies WorkerMessage, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`load worker failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
});
