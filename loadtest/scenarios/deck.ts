import type { DeckJob } from '../jobs';
import type { BenchCluster } from '../harness/benchCluster';
import { seedDiscoveryCity } from '../harness/discoverySeed';
import { mergeEncoded, percentiles } from '../harness/histogram';
import { nodesRssMb } from '../harness/machine';
import { runWorkers, workerShares } from '../harness/workers';

export interface DeckOptions {
  readonly cards: number;
  readonly users: number;
  readonly durationS: number;
  readonly coldRatePerS: number;
  readonly cachedRatePerS: number;
  readonly connectRatePerS: number;
  readonly deckSize: number;
  readonly workers: number;
  readonly resolution: number;
}

/**
 * A metro area full of cards and searchers asking for decks: each searcher's
 * first deck cold (built by the lobby of its cell), then cached ones.
 */
export async function runDeck(cluster: BenchCluster, options: DeckOptions): Promise<Record<string, number | string>> {
  const seedStarted = Date.now();
  const searchers = await seedDiscoveryCity(options.cards, options.users, cluster.seedTarget, options.resolution);
  process.stdout.write(`deck: seeded ${options.cards} cards in ${Math.round((Date.now() - seedStarted) / 1000)} s\n`);
  const jobs: DeckJob[] = workerShares(searchers, options.workers).map((share) => ({
    kind: 'deck',
    nodeUrls: cluster.nodes.map((n) => n.url),
    users: share,
    connectRatePerS: options.connectRatePerS / options.workers,
    coldRatePerS: options.coldRatePerS / options.workers,
    cachedRatePerS: options.cachedRatePerS / options.workers,
    durationS: options.durationS,
    deckSize: options.deckSize,
  }));
  const run = runWorkers(jobs);
  const connected = await run.ramped;
  process.stdout.write(
    `deck: ${connected} searchers connected; ${options.coldRatePerS} cold decks/s, then ${options.cachedRatePerS} cached decks/s for ${options.durationS} s\n`,
  );
  run.go();
  const done = await run.results;
  const rss = nodesRssMb(cluster.nodes);
  const sum = (key: string) => done.reduce((total, r) => total + (r.counters[key] ?? 0), 0);
  const longest = (key: string) => Math.max(...done.map((r) => r.counters[key] ?? 0));
  for (const sample of done.flatMap((r) => r.errorSamples).slice(0, 10)) process.stdout.write(`  error: ${sample}\n`);
  const decks = sum('cold') + sum('cached');
  const rounded = (n: number) => Math.round(n * 10) / 10;
  return {
    cards: options.cards,
    deck_size: options.deckSize,
    ops_per_s: Math.round(sum('cached') / Math.max(options.durationS, longest('cachedS'))),
    cold_ops_per_s: rounded(sum('cold') / longest('coldS')),
    ...percentiles('cold', mergeEncoded(done.map((r) => r.histograms['cold']!))),
    ...percentiles('cached', mergeEncoded(done.map((r) => r.histograms['cached']!))),
    mean_cards_per_deck: decks > 0 ? rounded(sum('cards') / decks) : 0,
    errors: done.reduce((total, r) => total + r.errors, 0),
    connections_held: connected - sum('closes'),
    server_rss_mb: Math.round(rss),
    rss_per_connection_kb: connected > 0 ? rounded((rss * 1024) / connected) : 0,
  };
}
