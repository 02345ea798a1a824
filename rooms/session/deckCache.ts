import type { DeckCard } from '../../contracts/deck';
import type { CardKind } from '../../domain/cardRules';

/** How long a built deck is served again before it is rebuilt. */
export const DECK_CACHE_TTL_MS = 10 * 60 * 1000;

interface CachedDeck {
  cards: DeckCard[];
  readonly builtAt: number;
  readonly cell: string;
  readonly limit: number;
  /** The kind of the card it was searched as: what its cards may show (contracts/cards.ts `toCardView`). */
  readonly searcher: CardKind;
}

/**
 * A user's built decks, one per card they swipe as, held by their session.
 * Swipes and blocks take cards out at once; a new location or new preferences
 * drop everything.
 */
export class DeckCache {
  private readonly decks = new Map<string, CachedDeck>();

  constructor(private readonly ttlMs: number = DECK_CACHE_TTL_MS) {}

  /** The cached deck of a card, if built within the TTL with at least `limit` cards asked for. */
  get(cardId: string, limit: number, nowMs: number): CachedDeck | undefined {
    const deck = this.decks.get(cardId);
    if (!deck) return undefined;
    if (nowMs - deck.builtAt >= this.ttlMs || deck.limit < limit) {
      this.decks.delete(cardId);
      return undefined;
    }
    return deck;
  }

  put(cardId: string, deck: CachedDeck): void {
    this.decks.set(cardId, deck);
  }

  /** A card swiped away leaves every deck of the user's. */
  removeCard(cardId: string): void {
    for (const deck of this.decks.values()) deck.cards = deck.cards.filter((c) => c.card.id !== cardId);
  }

  /** Everything of one owner leaves (a block, either way). */
  removeOwner(ownerId: string): void {
    for (const deck of this.decks.values()) deck.cards = deck.cards.filter((c) => c.card.ownerId !== ownerId);
  }

  clear(): void {
    this.decks.clear();
  }
}
