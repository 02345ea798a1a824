import { toCardView, type WholeCardView } from '../contracts/cards';
import type { DeckCard } from '../contracts/deck';
import { looksForWork, type CardKind } from '../domain/cardRules';
import { RecentEntries } from './recentEntries';

/**
 * The cards this node heard were edited lately, as they are now, kept as long as a
 * cached deck lives: a deck built before an edit shows the card as edited, so a
 * photo its owner took down is not shown from a deck cached before (up to 10 minutes).
 */
export class EditedCards {
  /** By card id, whole: each deck shows it as its searcher may see it. A card edited again holds its newest version. */
  private readonly cards: RecentEntries<WholeCardView>;

  constructor(keepMs: number) {
    this.cards = new RecentEntries(keepMs);
  }

  add(card: WholeCardView, nowMs: number): void {
    this.cards.prune(nowMs);
    this.cards.set(card.id, card, nowMs);
  }

  /**
   * A deck's entry as it is now, for a deck searched as a card of kind `searcher`: the card
   * as last edited, if that was after the deck was started (`builtAtMs`), shown as the
   * searcher may see it; undefined for a person who stopped looking for work, in a job's deck.
   */
  current(entry: DeckCard, builtAtMs: number, searcher: CardKind): DeckCard | undefined {
    const edit = this.cards.get(entry.card.id);
    if (!edit || edit.atMs < builtAtMs) return entry;
    if (searcher === 'job' && edit.value.kind === 'person' && !looksForWork(edit.value)) return undefined;
    return { ...entry, card: toCardView(edit.value, searcher) };
  }
}
