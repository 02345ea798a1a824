import type { ChatMessage } from '../contracts/chat';
import { ThreadClient } from './client/threadClient';
import { encodeHistogram, newHistogram, recordMs } from './harness/histogram';
import { WarmSplit } from './harness/warmSplit';
import { connectOnTimetable, ErrorLog, onTimetable, sleep } from './harness/timetable';
import { SecondMaxima } from './harness/secondMaxima';
import type { ChatJob, LoadResult, WorkerMessage } from './jobs';

/** After the last send, how long acknowledgements and deliveries may still take before they count as lost. */
const DRAIN_MS = 5000;

/**
 * Both members of every thread join (each through its own node where there are
 * several), then messages go out on a fixed timetable, round-robin over threads
 * and alternating senders. Measures send→acknowledgement at the sender and
 * send→delivery at the other member, both from the scheduled time. With `away`,
 * only the first member joins and sends: the other is told in their event
 * stream, and only acknowledgements are measured.
 */
export async function runChat(job: ChatJob): Promise<LoadResult> {
  const errors = new ErrorLog();
  const ack = new WarmSplit();
  const deliver = new WarmSplit();
  const connect = newHistogram();
  const members: Array<[ThreadClient | undefined, ThreadClient | undefined]> = job.threads.map(() => [undefined, undefined]);
  const scheduledAt = new Map<string, number>(); // clientMessageId -> scheduled send time, until delivered
  let acked = 0;
  let delivered = 0;
  let closes = 0;
  let running = false;
  let seconds: SecondMaxima | undefined;
  const sides = job.away ? 1 : 2;

  const onDelivered = (message: ChatMessage) => {
    const scheduled = scheduledAt.get(message.clientMessageId);
    if (scheduled === undefined) return errors.add(`delivered a message not sent by this run: ${message.clientMessageId}`);
    scheduledAt.delete(message.clientMessageId);
    const now = performance.now();
    deliver.record(scheduled, now - scheduled);
    seconds?.record(now, now - scheduled);
    delivered += 1;
  };

  await connectOnTimetable(
    job.connectRatePerS,
    job.threads.length * sides,
    async (i) => {
      const t = Math.floor(i / sides);
      const side = i % sides;
      const thread = job.threads[t]!;
      const client = await ThreadClient.join(job.nodeUrls[(t + side) % job.nodeUrls.length]!, thread.members[side]!, thread.matchId);
      client.onDelivered = onDelivered;
      void client.closed().then((code) => {
        if (running) {
          closes += 1;
          errors.add(`closed during the run (${code})`);
        }
      });
      members[t]![side] = client;
    },
    { connected: (ms) => recordMs(connect, ms), failed: (error) => errors.add(`join: ${(error as Error).message}`) },
  );
  process.send?.({ type: 'ramped', connected: members.flat().filter(Boolean).length } satisfies WorkerMessage);
  await new Promise<void>((resolve) => process.once('message', () => resolve())); // the go signal: all workers ramped

  running = true;
  const total = Math.floor(job.ratePerS * job.durationS);
  const unanswered = new Set<string>();
  const start = performance.now();
  ack.start(start, job.warmAfterS);
  deliver.start(start, job.warmAfterS);
  seconds = new SecondMaxima(start);
  seconds.start();
  await onTimetable(start, 1000 / job.ratePerS, total, (n, scheduled) => {
    const t = n % job.threads.length;
    const side = Math.floor(n / job.threads.length) % sides;
    const sender = members[t]![side];
    if (!sender?.open || (!job.away && !members[t]![1 - side]?.open)) return errors.add('send in a thread whose members are not both connected');
    const clientMessageId = `${process.pid}-${n}`;
    if (!job.away) scheduledAt.set(clientMessageId, scheduled);
    unanswered.add(clientMessageId);
    sender.sendText(clientMessageId, `message ${n} of the run`).then(
      (answer) => {
        unanswered.delete(clientMessageId);
        if ('ok' in answer) {
          ack.record(scheduled, performance.now() - scheduled);
          acked += 1;
        } else {
          scheduledAt.delete(clientMessageId);
          errors.add(`error ${answer.code}: ${answer.message}`);
        }
      },
      (error: unknown) => {
        unanswered.delete(clientMessageId);
        scheduledAt.delete(clientMessageId);
        errors.add(`send: ${(error as Error).message}`);
      },
    );
  });
  const sendWindowS = (performance.now() - start) / 1000;
  const drainUntil = performance.now() + DRAIN_MS;
  while ((unanswered.size > 0 || scheduledAt.size > 0) && performance.now() < drainUntil) await sleep(20);
  running = false;
  if (process.env['KISMET_BENCH_SECONDS']) process.stdout.write(seconds.stop(`load ${process.pid}`));
  else seconds.stop('');
  for (const _ of unanswered) errors.add('send unanswered');
  for (const _ of scheduledAt) errors.add('message never delivered to the other member');
  for (const client of members.flat()) client?.close();
  return {
    ops: acked,
    errors: errors.count,
    errorSamples: errors.samples,
    histograms: { ...ack.encode('ack'), ...deliver.encode('deliver'), connect: encodeHistogram(connect) },
    counters: { acked, delivered, closes, sendWindowS, planned: total },
  };
}
