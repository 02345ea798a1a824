import type { Card } from '../domain/cardRules';
import { RecentEntries } from './recentEntries';
import type { Withdrawal } from './topicBus';

/**
 * What this node heard was withdrawn from discovery, kept as long as a cached
 * deck lives, so no deck built or cached before the news shows it after.
 */
export class WithdrawnCards {
  private readonly owners: RecentEntries<true>;
  private readonly cards: RecentEntries<true>;

  constructor(keepMs: number) {
    this.owners = new RecentEntries(keepMs);
    this.cards = new RecentEntries(keepMs);
  }

  add(withdrawal: Withdrawal, nowMs: number): void {
    this.owners.prune(nowMs);
    this.cards.prune(nowMs);
    if (withdrawal.kind === 'owner') this.owners.set(withdrawal.userId, true, nowMs);
    else this.cards.set(withdrawal.cardId, true, nowMs);
  }

  has(card: Pick<Card, 'id' | 'ownerId'>): boolean {
    return this.owners.has(card.ownerId) || this.cards.has(card.id);
  }
}
