import type { SwipesJob } from '../jobs';
import type { BenchCluster } from '../harness/benchCluster';
import { mergeEncoded, percentiles } from '../harness/histogram';
import { warmSplitPercentiles } from '../harness/warmSplit';
import { nodesRssMb } from '../harness/machine';
import { cpuFigures, cpuLedger } from '../harness/cpuLedger';
import { seedPersonCards, seedUsers } from '../harness/seed';
import { runWorkers } from '../harness/workers';
import { planSwipes } from './swipePlan';

export interface SwipesOptions {
  readonly users: number;
  readonly durationS: number;
  readonly ratePerS: number;
  readonly warmAfterS: number;
  readonly mutualFraction: number;
  /** Popular cards most likes go to (`planSwipes`), 0 for none. */
  readonly hotCards: number;
  readonly connectRatePerS: number;
  readonly workers: number;
}

/**
 * Connected users swiping at a fixed total rate; a known share of the swipes are
 * the two likes of a mutual pair (both owners in the same load process, so one
 * clock times the notification).
 */
export async function runSwipes(cluster: BenchCluster, options: SwipesOptions): Promise<Record<string, number | string>> {
  const users = await seedUsers(options.users, cluster.seedTarget);
  const cards = await seedPersonCards(users, cluster.seedTarget);
  const perWorker = Math.floor(options.users / options.workers / 2) * 2;
  const slots = Math.floor((options.ratePerS * options.durationS) / options.workers);
  let mutualPairs = 0;
  const jobs: SwipesJob[] = Array.from({ length: options.workers }, (_, w) => {
    const offset = w * perWorker;
    const plan = planSwipes({
      ownCards: cards.slice(offset, offset + perWorker),
      allCards: cards,
      offset,
      slots,
      mutualFraction: options.mutualFraction,
      hotCards: options.hotCards,
    });
    mutualPairs += plan.mutualPairs;
    return {
      kind: 'swipes',
      nodeUrls: cluster.nodes.map((n) => n.url),
      users: users.slice(offset, offset + perWorker).map((u, i) => ({ ...u, cardId: cards[offset + i]! })),
      connectRatePerS: options.connectRatePerS / options.workers,
      ratePerS: options.ratePerS / options.workers,
      warmAfterS: options.warmAfterS,
      plan: plan.swipes,
    };
  });
  const rssBefore = nodesRssMb(cluster.nodes);
  const run = runWorkers(jobs);
  const connected = await run.ramped;
  process.stdout.write(`swipes: ${connected} users connected; ${slots * options.workers} swipes over ${options.durationS} s, ${mutualPairs} mutual pairs\n`);
  const cpu = cpuLedger.snapshot();
  run.go();
  await new Promise((r) => setTimeout(r, (options.durationS * 1000) / 2));
  const rssRunning = nodesRssMb(cluster.nodes);
  const done = await run.results;
  // The CPU of the sends and their answers (the ramp's joins left out): the nodes', the load's and each service's.
  const swipeCpu = cpuLedger.since(cpu);
  const sum = (key: string) => done.reduce((total, r) => total + (r.counters[key] ?? 0), 0);
  const errors = done.reduce((total, r) => total + r.errors, 0);
  for (const sample of done.flatMap((r) => r.errorSamples).slice(0, 10)) process.stdout.write(`  error: ${sample}\n`);
  const sendWindowS = Math.max(...done.map((r) => r.counters['sendWindowS'] ?? 0));
  const ack = warmSplitPercentiles('ack', done);
  const notify = warmSplitPercentiles('notify', done);
  return {
    ops_per_s: Math.round(sum('acked') / Math.max(options.durationS, sendWindowS)),
    ...ack,
    ...notify,
    errors,
    swipes_planned: sum('planned'),
    swipes_acked: sum('acked'),
    mutual_pairs: mutualPairs,
    matches: sum('matches'),
    matches_notified: sum('notifiedMatches'),
    connections_held: connected - sum('closes'),
    ...percentiles('connect', mergeEncoded(done.map((r) => r.histograms['connect']!))),
    ...cpuFigures(swipeCpu, (role) => `swipes_${role}_cpu_s`, 1, 1),
    ...cpuFigures(swipeCpu, (role) => `${role}_cpu_us_per_swipe`, 1e6 / sum('acked'), 0),
    server_rss_mb: Math.round(rssRunning),
    rss_per_connection_kb: connected > 0 ? Math.round((((rssRunning - rssBefore) * 1024) / connected) * 10) / 10 : 0,
  };
}
