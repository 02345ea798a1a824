import { findCardById } from '../../db/repositories/cardRepository';
import { findPreferences } from '../../db/repositories/preferenceRepository';
import type { DeckCard, DeckResult } from '../../contracts/deck';
import type { CardKind } from '../../domain/cardRules';
import type { DeckSearcher } from '../../domain/deckFilters';
import { AppError, ErrorCode } from '../../domain/errors';
import { searchOrigin } from '../../domain/searchOrigin';
import { callLobby } from '../lobby/lobbyClient';
import { roomServices } from '../roomServices';
import { DeckCache } from './deckCache';
import type { UserLocation } from './locationDesk';

/** What changed while a deck was being built, to take out of it before it is cached. */
interface DeckBuildWatch {
  readonly swiped: Set<string>;
  readonly excludedOwners: Set<string>;
  invalidated: boolean;
}

/**
 * A user's decks, one per card they swipe as: served from the session's cache,
 * or built by the lobby of where the search starts. What changes while a deck
 * is being built (a swipe, a block, a move) is applied to it before it is kept.
 */
export class DeckDesk {
  private readonly cache = new DeckCache();
  /** Decks being built now; made at the first build (one desk per connected user, most of them idle). */
  private builds: Set<DeckBuildWatch> | undefined;

  constructor(private readonly userId: string) {}

  /** A card swiped away leaves every deck of the user's now, cached or being built. */
  swiped(cardId: string): void {
    this.cache.removeCard(cardId);
    this.builds?.forEach((build) => build.swiped.add(cardId));
  }

  /** Someone the user must no longer see (a block, either way). */
  excludeOwner(ownerId: string): void {
    this.cache.removeOwner(ownerId);
    this.builds?.forEach((build) => build.excludedOwners.add(ownerId));
  }

  /** New preferences, a card edit or a move: every deck is built again on the next ask. */
  invalidate(): void {
    this.cache.clear();
    this.builds?.forEach((build) => (build.invalidated = true));
  }

  async deck(cardId: string, limit: number, location: UserLocation | undefined): Promise<DeckResult> {
    const services = roomServices();
    const nowMs = services.now().getTime();
    // Withdrawn cards out, edited ones as they are now (as the searching card may see them): the news of the cluster since the deck was started.
    const visible = (cards: readonly DeckCard[], builtAt: number, searcher: CardKind) => {
      const shown: DeckCard[] = [];
      for (const c of cards) {
        if (shown.length === limit) break;
        const current = services.withdrawn.has(c.card) ? undefined : services.edited.current(c, builtAt, searcher);
        if (current) shown.push(current);
      }
      return shown;
    };
    const cached = this.cache.get(cardId, limit, nowMs);
    if (cached) return { cardId, cards: visible(cached.cards, cached.builtAt, cached.searcher), cached: true, builtAt: cached.builtAt, cell: cached.cell };

    const [card, preferences] = await Promise.all([findCardById(services.db, cardId), findPreferences(services.db, this.userId)]);
    if (!card) throw new AppError(ErrorCode.CARD_NOT_FOUND, 'no such card');
    if (card.ownerId !== this.userId) throw new AppError(ErrorCode.NOT_YOUR_CARD, 'a deck is asked for one of your own cards');
    if (!card.active) throw new AppError(ErrorCode.CARD_INACTIVE, 'this card is deactivated');
    const origin = searchOrigin(card, location);
    if (!origin) throw new AppError(ErrorCode.LOCATION_UNKNOWN, 'send location.update before asking for a deck');
    const searcher: DeckSearcher = { card, preferences, location: origin, year: new Date(nowMs).getUTCFullYear() };

    const watch: DeckBuildWatch = { swiped: new Set(), excludedOwners: new Set(), invalidated: false };
    this.builds ??= new Set();
    this.builds.add(watch);
    try {
      const built = await callLobby<DeckCard[]>(origin.h3Cell, 'deck', [searcher, limit]);
      const cards = built.filter((c) => !watch.swiped.has(c.card.id) && !watch.excludedOwners.has(c.card.ownerId));
      if (!watch.invalidated) this.cache.put(cardId, { cards, builtAt: nowMs, cell: origin.h3Cell, limit, searcher: card.kind });
      return { cardId, cards: visible(cards, nowMs, card.kind), cached: false, builtAt: nowMs, cell: origin.h3Cell };
    } finally {
      this.builds?.delete(watch);
    }
  }
}

