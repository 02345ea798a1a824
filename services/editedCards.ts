import type { CardView } from '../contracts/cards';
import type { DeckCard } from '../contracts/deck';

/**
 * The cards this node heard were edited lately, as they are now, kept as long as a
 * cached deck lives: a deck built before an edit shows the card as edited, so a
 * photo its owner took down is not shown from a deck cached before (up to 10 minutes).
 */
export class EditedCards {
  /** By card id, in the order heard (a card edited again moves to the end). */
  private readonly cards = new Map<string, { readonly card: CardView; readonly atMs: number }>();

  constructor(private readonly keepMs: number) {}

  add(card: CardView, nowMs: number): void {
    this.prune(nowMs);
    this.cards.delete(card.id);
    this.cards.set(card.id, { card, atMs: nowMs });
  }

  /** A deck's entry as it is now: the card as last edited, if that was after the deck was started (`builtAtMs`). */
  current(entry: DeckCard, builtAtMs: number): DeckCard {
    const edit = this.cards.get(entry.card.id);
    return edit && edit.atMs >= builtAtMs ? { ...entry, card: edit.card } : entry;
  }

  private prune(nowMs: number): void {
    for (const [id, { atMs }] of this.cards) {
      if (nowMs - atMs <= this.keepMs) break; // insertion order is time order
      this.cards.delete(id);
    }
  }
}
