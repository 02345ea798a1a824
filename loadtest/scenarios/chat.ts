import { Client as PgClient } from 'pg';
import type { BenchThread, ChatJob } from '../jobs';
import type { BenchCluster } from '../harness/benchCluster';
import { mergeEncoded, percentiles } from '../harness/histogram';
import { nodesRssMb } from '../harness/machine';
import { seedMatchedPairs, seedPersonCards, seedUsers } from '../harness/seed';
import { warmSplitPercentiles } from '../harness/warmSplit';
import { runWorkers, workerShares } from '../harness/workers';
import { cpuFigures, cpuLedger } from '../harness/cpuLedger';

export interface ChatOptions {
  readonly threads: number;
  readonly durationS: number;
  readonly ratePerS: number;
  readonly warmAfterS: number;
  readonly connectRatePerS: number;
  readonly workers: number;
  /** Only one member of each thread in it; the other away, told in their event stream. */
  readonly away: boolean;
}

/** Messages and message notices stored in the run's database, where the scenario can read it. */
async function countStored(databaseUrl: string | undefined): Promise<{ messages: number; notices: number } | undefined> {
  if (!databaseUrl) return undefined;
  const client = new PgClient({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ messages: string; notices: string }>(
      "select (select count(*) from messages) as messages, (select count(*) from stored_events where type = 'message.received') as notices",
    );
    return { messages: Number(rows[0]!.messages), notices: Number(rows[0]!.notices) };
  } finally {
    await client.end();
  }
}

const perConnectionKb = (mb: number, connections: number) => (connections > 0 ? Math.round(((mb * 1024) / connections) * 10) / 10 : 0);

/**
 * Matched pairs chatting: both members of every thread connected (joining
 * through different nodes), messages at a fixed total rate over all threads.
 * With `away`, one member of each thread is in it and sends, and the other is
 * away: each message also stores a notice in that member's event stream.
 */
export async function runChat(cluster: BenchCluster, options: ChatOptions): Promise<Record<string, number | string>> {
  const users = await seedUsers(options.threads * 2, cluster.seedTarget);
  const cards = await seedPersonCards(users, cluster.seedTarget);
  const matchIds = await seedMatchedPairs(users, cards, cluster.seedTarget);
  const threads: BenchThread[] = matchIds.map((matchId, p) => ({ matchId, members: [users[2 * p]!, users[2 * p + 1]!] }));
  const jobs: ChatJob[] = workerShares(threads, options.workers).map((share) => ({
    kind: 'chat',
    nodeUrls: cluster.nodes.map((n) => n.url),
    threads: share,
    connectRatePerS: options.connectRatePerS / options.workers,
    ratePerS: options.ratePerS / options.workers,
    durationS: options.durationS,
    warmAfterS: options.warmAfterS,
    away: options.away,
  }));
  const rssBefore = nodesRssMb(cluster.nodes);
  const storedBefore = (await countStored(cluster.seedTarget.databaseUrl)) ?? { messages: 0, notices: 0 };
  const run = runWorkers(jobs);
  const connected = await run.ramped;
  process.stdout.write(`chat: ${connected} members connected in ${threads.length} threads; ${options.ratePerS} messages/s for ${options.durationS} s\n`);
  const rssRamped = nodesRssMb(cluster.nodes);
  const cpu = cpuLedger.snapshot();
  run.go();
  await new Promise((r) => setTimeout(r, (options.durationS * 1000) / 2));
  const rssRunning = nodesRssMb(cluster.nodes);
  const done = await run.results;
  // The CPU of the sends, deliveries and acknowledgements (the members' joins left out).
  const chatCpu = cpuLedger.since(cpu);
  const sum = (key: string) => done.reduce((total, r) => total + (r.counters[key] ?? 0), 0);
  for (const sample of done.flatMap((r) => r.errorSamples).slice(0, 10)) process.stdout.write(`  error: ${sample}\n`);
  const sendWindowS = Math.max(...done.map((r) => r.counters['sendWindowS'] ?? 0));
  const stored = await countStored(cluster.seedTarget.databaseUrl);
  return {
    ops_per_s: Math.round(sum('acked') / Math.max(options.durationS, sendWindowS)),
    ...warmSplitPercentiles('ack', done),
    ...warmSplitPercentiles('deliver', done),
    errors: done.reduce((total, r) => total + r.errors, 0),
    threads: threads.length,
    messages_planned: sum('planned'),
    messages_acked: sum('acked'),
    messages_delivered: sum('delivered'),
    ...(stored === undefined ? {} : { messages_persisted: stored.messages - storedBefore.messages, notices_stored: stored.notices - storedBefore.notices }),
    connections_held: connected - sum('closes'),
    ...percentiles('connect', mergeEncoded(done.map((r) => r.histograms['connect']!))),
    ...cpuFigures(chatCpu, (role) => `chat_${role}_cpu_s`, 1, 1),
    ...cpuFigures(chatCpu, (role) => `${role}_cpu_us_per_message`, 1e6 / sum('acked'), 0),
    server_rss_mb: Math.round(rssRunning),
    // What the members hold once connected, and what the nodes hold mid-run (traffic, collector headroom and the threads' memory included).
    rss_per_connection_ramped_kb: perConnectionKb(rssRamped - rssBefore, connected),
    rss_per_connection_kb: perConnectionKb(rssRunning - rssBefore, connected),
  };
}
