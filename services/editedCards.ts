import type { CardView } from '../contracts/cards';
import type { DeckCard } from '../contracts/deck';
import { RecentEntries } from './recentEntries';

/**
 * The cards this node heard were edited lately, as they are now, kept as long as a
 * cached deck lives: a deck built before an edit shows the card as edited, so a
 * photo its owner took down is not shown from a deck cached before (up to 10 minutes).
 */
export class EditedCards {
  /** By card id; a card edited again holds its newest version. */
  private readonly cards: RecentEntries<CardView>;

  constructor(keepMs: number) {
    this.cards = new RecentEntries(keepMs);
  }

  add(card: CardView, nowMs: number): void {
    this.cards.prune(nowMs);
    this.cards.set(card.id, card, nowMs);
  }

  /** A deck's entry as it is now: the card as last edited, if that was after the deck was started (`builtAtMs`). */
  current(entry: DeckCard, builtAtMs: number): DeckCard {
    const edit = this.cards.get(entry.card.id);
    return edit && edit.atMs >= builtAtMs ? { ...entry, card: edit.value } : entry;
  }
}
