import type { Card } from '../domain/cardRules';
import type { Withdrawal } from './topicBus';

/**
 * What this node heard was withdrawn from discovery, kept as long as a cached
 * deck lives, so no deck built or cached before the news shows it after.
 */
export class WithdrawnCards {
  private readonly owners = new Map<string, number>();
  private readonly cards = new Map<string, number>();

  constructor(private readonly keepMs: number) {}

  add(withdrawal: Withdrawal, nowMs: number): void {
    this.prune(nowMs);
    const [map, key] = withdrawal.kind === 'owner' ? [this.owners, withdrawal.userId] : [this.cards, withdrawal.cardId];
    map.delete(key); // re-added at the end, keeping the map in time order
    map.set(key, nowMs);
  }

  has(card: Pick<Card, 'id' | 'ownerId'>): boolean {
    return this.owners.has(card.ownerId) || this.cards.has(card.id);
  }

  private prune(nowMs: number): void {
    for (const map of [this.owners, this.cards]) {
      for (const [key, at] of map) {
        if (nowMs - at <= this.keepMs) break; // insertion order is time order
        map.delete(key);
      }
    }
  }
}
