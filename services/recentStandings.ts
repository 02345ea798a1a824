import { RECENT_BLOCKS_MS } from './recentBlocks';
import { RecentEntries } from './recentEntries';
import type { StandingNews } from './topicBus';

/**
 * The shadow-bans set or lifted that this node heard of lately (on the block bus, with
 * the blocks: services/eventNews), the latest by person, and the live events on the node
 * that listen for them. An event hides or shows someone in it at once; one who was let
 * in at the door before the change and connects after it finds it here. Kept as long as
 * the blocks (RECENT_BLOCKS_MS: longer than a join's way from the door to its connection).
 */
export class RecentStandings {
  private readonly byPerson: RecentEntries<boolean>;
  private readonly listeners = new Set<(news: StandingNews) => void>();

  constructor(private readonly keepMs = RECENT_BLOCKS_MS) {
    this.byPerson = new RecentEntries(keepMs);
  }

  /** A shadow-ban was set or lifted: kept as the person's latest, and told to every listener. */
  heard(news: StandingNews, nowMs: number): void {
    this.byPerson.prune(nowMs);
    this.byPerson.set(news.userId, news.shadowBanned, nowMs);
    for (const listener of this.listeners) listener(news);
  }

  /** Whether the person is shadow-banned, as last heard within `keepMs`; undefined when nothing was. */
  of(userId: string, nowMs: number): boolean | undefined {
    const heard = this.byPerson.get(userId);
    return heard && nowMs - heard.atMs <= this.keepMs ? heard.value : undefined;
  }

  /** Hears every standing from now on; returns what stops it. */
  listen(listener: (news: StandingNews) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
