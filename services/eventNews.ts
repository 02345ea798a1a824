import { RecentBlocks } from './recentBlocks';
import { RecentStandings } from './recentStandings';
import { BLOCKS_TOPIC, type BlockBus, type BlockNews, type StandingNews } from './topicBus';

/**
 * What the node's live events hear from the cluster on the block bus (topicBus `BlockBus`):
 * blocks and shadow-bans set or lifted, as they are made, each kept lately by its own keeper.
 */
export interface EventNews {
  readonly recentBlocks: RecentBlocks;
  readonly standings: RecentStandings;
}

/** The node's keepers, hearing `bus` from now on (resolves once it listens), and what stops it (the node is stopping). */
export async function hearEventNews(bus: BlockBus, now: () => Date): Promise<{ readonly keepers: EventNews; readonly stop: () => void }> {
  const keepers: EventNews = { recentBlocks: new RecentBlocks(), standings: new RecentStandings() };
  const stop = await bus.subscribe(BLOCKS_TOPIC, (news) => {
    if (isStandingNews(news)) keepers.standings.heard(news, now().getTime());
    else keepers.recentBlocks.heard(news, now().getTime());
  });
  return { keepers, stop };
}

/** A block names no `kind`. */
function isStandingNews(news: BlockNews): news is StandingNews {
  return 'kind' in news && news.kind === 'standing';
}
