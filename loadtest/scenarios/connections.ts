import type { ConnectionsJob } from '../jobs';
import { mergeEncoded, percentiles } from '../harness/histogram';
import { cpuFigures, cpuLedger } from '../harness/cpuLedger';
import { nodesHeapMb, nodesRssMb } from '../harness/machine';
import { seedUsers } from '../harness/seed';
import { watchTeardown } from '../harness/teardownWatch';
import { runWorkers } from '../harness/workers';
import type { BenchCluster } from '../harness/benchCluster';

export interface ConnectionsOptions {
  readonly users: number;
  readonly holdS: number;
  readonly connectRatePerS: number;
  readonly heartbeatIntervalMs: number;
  readonly workers: number;
}

/** How long the nodes may take to see every client go and dispose every session actor. */
const TEARDOWN_TIMEOUT_MS = 60_000;

/** Ramp up authenticated users, one session actor each, hold them with heartbeats. */
export async function runConnections(cluster: BenchCluster, options: ConnectionsOptions): Promise<Record<string, number | string>> {
  const seedStarted = Date.now();
  const users = await seedUsers(options.users, cluster.seedTarget);
  const seedS = (Date.now() - seedStarted) / 1000;
  const rssBefore = nodesRssMb(cluster.nodes);
  const jobs: ConnectionsJob[] = Array.from({ length: options.workers }, (_, w) => ({
    kind: 'connections',
    nodeUrls: cluster.nodes.map((n) => n.url),
    users: users.filter((_, i) => i % options.workers === w),
    connectRatePerS: options.connectRatePerS / options.workers,
    holdS: options.holdS,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
  }));
  const cpuBefore = cpuLedger.snapshot();
  const run = runWorkers(jobs);
  const connected = await run.ramped;
  // The CPU of the ramp, per user joined: what a join costs the cluster, the load and each service, whatever else runs.
  const rampCpu = cpuFigures(cpuLedger.since(cpuBefore), (role) => `${role}_cpu_per_join_ms`, 1e3 / connected, 3);
  process.stdout.write(`connections: ${connected} of ${options.users} connected; holding ${options.holdS} s\n`);
  const heldSince = Date.now();
  await new Promise((r) => setTimeout(r, Math.min(5000, (options.holdS * 1000) / 2)));
  const rssHeld = nodesRssMb(cluster.nodes);
  const heapHeld = await nodesHeapMb(cluster.nodes);
  // Again near the end of the hold: what the ramp left behind (garbage, a grown heap) has had time to go.
  await new Promise((r) => setTimeout(r, Math.max(0, heldSince + (options.holdS - 3) * 1000 - Date.now())));
  const rssLate = nodesRssMb(cluster.nodes);
  const heapLate = await nodesHeapMb(cluster.nodes);
  const done = await run.results;
  // Every load process closed its connections at once: what that costs the nodes.
  const teardown = await watchTeardown(cluster.nodes, TEARDOWN_TIMEOUT_MS);
  const held = done.reduce((sum, r) => sum + (r.counters['held'] ?? 0), 0);
  const errors = done.reduce((sum, r) => sum + r.errors, 0);
  for (const sample of done.flatMap((r) => r.errorSamples).slice(0, 10)) process.stdout.write(`  error: ${sample}\n`);
  return {
    ops_per_s: Math.round(done.reduce((sum, r) => sum + r.ops, 0) / options.holdS),
    ...percentiles('connect', mergeEncoded(done.map((r) => r.histograms['connect']!))),
    ...percentiles('heartbeat', mergeEncoded(done.map((r) => r.histograms['heartbeat']!))),
    errors,
    connections_held: held,
    ...rampCpu,
    server_rss_mb: Math.round(rssHeld),
    seed_s: Math.round(seedS * 10) / 10,
    load_workers: options.workers,
    server_rss_idle_mb: Math.round(rssBefore),
    rss_per_connection_kb: perConnectionKb(rssHeld - rssBefore, held),
    server_heap_used_mb: Math.round(heapHeld.used),
    server_heap_committed_mb: Math.round(heapHeld.committed),
    server_rss_late_mb: Math.round(rssLate),
    server_heap_used_late_mb: Math.round(heapLate.used),
    rss_per_connection_late_kb: perConnectionKb(rssLate - rssBefore, held),
    teardown_all_left_s: teardown.allLeftS,
    teardown_all_disposed_s: teardown.allDisposedS,
    teardown_longest_answer_ms: teardown.longestAnswerMs,
  };
}

function perConnectionKb(mb: number, connections: number): number {
  return connections > 0 ? Math.round(((mb * 1024) / connections) * 10) / 10 : 0;
}
