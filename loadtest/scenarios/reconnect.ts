import type { ReconnectJob } from '../jobs';
import { mergeEncoded, percentiles } from '../harness/histogram';
import { cpuLedger } from '../harness/cpuLedger';
import { nodesRssMb } from '../harness/machine';
import { seedUsers } from '../harness/seed';
import { runWorkers, workerShares } from '../harness/workers';
import { OUTAGE_CEILING_MS } from '../reconnectLoad';
import type { BenchCluster } from '../harness/benchCluster';

export interface ReconnectOptions {
  /** Sessions the victim node holds when it is killed. */
  readonly sessions: number;
  /** Sessions on the surviving nodes, which must ride the loss out. */
  readonly bystanders: number;
  readonly survivors: number;
  readonly connectRatePerS: number;
  readonly recoveryTimeoutS: number;
  readonly workers: number;
  /** The nodes' STALE_NODE_TIMEOUT_MS, for the report: what a dead node's lease and sweep wait on. */
  readonly staleNodeTimeoutMs: number;
}

/** Lets the survivors' room counts reach every node's placement before the bystanders join (nodes report every 200 ms). */
const SETTLE_MS = 1000;

/**
 * Node loss: the victim (the cluster's only node so far) takes every victim
 * session, the survivors start and the bystanders join (balanced placement puts
 * them on the least loaded nodes, the survivors), then the victim is killed with
 * SIGKILL and its users rejoin through the survivors, as the client library does.
 */
export async function runReconnect(cluster: BenchCluster, options: ReconnectOptions): Promise<Record<string, number | string>> {
  const victim = cluster.nodes[0]!;
  const users = await seedUsers(options.sessions + options.bystanders, cluster.seedTarget);
  const victimShares = workerShares(users.slice(0, options.sessions), options.workers);
  const bystanderShares = workerShares(users.slice(options.sessions), options.workers);
  const jobs: ReconnectJob[] = victimShares.map((victims, w) => ({
    kind: 'reconnect',
    victimUrl: victim.url,
    victims,
    bystanders: bystanderShares[w] ?? [],
    connectRatePerS: options.connectRatePerS / options.workers,
    recoveryTimeoutS: options.recoveryTimeoutS,
  }));
  const run = runWorkers(jobs);
  const connected = await run.ramped;
  process.stdout.write(`reconnect: ${connected} of ${options.sessions} sessions on the victim; starting ${options.survivors} more nodes\n`);
  const survivors = await cluster.grow(options.survivors);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  run.go({ stage: 'survivors', survivorUrls: survivors.map((n) => n.url) });
  await run.phase('armed');
  await new Promise((r) => setTimeout(r, SETTLE_MS));

  cpuLedger.cpuNowS('node'); // the victim's CPU, read while it still runs
  const killedAtMs = Date.now();
  await victim.kill();
  process.stdout.write(`reconnect: killed the victim (pid ${victim.child.pid}); waiting for its sessions to be served again\n`);
  run.go({ stage: 'killed', killedAtMs });
  const done = await run.results;
  const rssSurvivors = nodesRssMb(survivors);
  const sum = (key: string) => done.reduce((total, r) => total + (r.counters[key] ?? 0), 0);
  const lastServedMs = Math.max(0, ...done.map((r) => r.counters['lastServedMs'] ?? 0));
  const firstServedMs = Math.min(...done.map((r) => r.counters['firstServedMs'] ?? Number.MAX_SAFE_INTEGER));
  for (const sample of done.flatMap((r) => r.errorSamples).slice(0, 10)) process.stdout.write(`  error: ${sample}\n`);
  return {
    ops_per_s: lastServedMs > 0 ? Math.round((sum('servedAgain') * 1000) / lastServedMs) : 0,
    errors: done.reduce((total, r) => total + r.errors, 0),
    sessions: options.sessions,
    bystanders: options.bystanders,
    sessions_connected: sum('connected'),
    sessions_lost: sum('lost'),
    bystanders_lost: sum('bystandersLost'),
    closed_before_kill: sum('closedBeforeKill'),
    served_again: sum('servedAgain'),
    // -1 when some never came back within --duration: then last_served_s is only the last that did.
    all_served_again_s: sum('servedAgain') === sum('lost') ? Math.round(lastServedMs / 100) / 10 : -1,
    last_served_s: Math.round(lastServedMs / 100) / 10,
    // When the first came back: the dead node's detection and lease lapse; the rest of the outage is the rejoins' queue.
    first_served_s: firstServedMs === Number.MAX_SAFE_INTEGER ? -1 : Math.round(firstServedMs / 100) / 10,
    ...percentiles('outage', mergeEncoded(done.map((r) => r.histograms['outage']!), OUTAGE_CEILING_MS)),
    rejoin_retries: sum('retries'),
    ...percentiles('connect', mergeEncoded(done.map((r) => r.histograms['connect']!))),
    stale_node_timeout_ms: options.staleNodeTimeoutMs,
    server_rss_mb: Math.round(rssSurvivors),
  };
}
