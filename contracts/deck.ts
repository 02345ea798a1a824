import { z } from 'zod';
import type { CardView } from './cards';
import { NEARBY_FEW_BELOW } from '../domain/nearbyFigure';
import { CommandRef, READY_COMMAND, ReadyCommand, Uuid } from './common';

/** Room name of the discovery lobby actor, `cell:<h3Index>`. */
export const LOBBY_ROOM = 'cell';

/** Options of `joinOrCreate('cell', ...)`: the H3 cell, which must be the caller's current one. */
export const LobbyJoinOptions = z.strictObject({ cell: z.string().regex(/^[0-9a-f]{15}$/, 'cell: an H3 index, 15 hex digits') });
export type LobbyJoinOptions = z.infer<typeof LobbyJoinOptions>;

export const DECK_DEFAULT_SIZE = 50;
export const DECK_MAX_SIZE = 100;

/** The session command asking for a deck, for one of the caller's cards. */
export const DeckCommand = z.strictObject({
  ref: CommandRef,
  cardId: Uuid,
  limit: z.number().int().min(1).max(DECK_MAX_SIZE).optional(),
});

/**
 * One card of a deck: what anyone may see of it, its score for the searcher,
 * and how far it is in whole kilometres, at least 1 ("within about a
 * kilometre"), between the two people's privacy points (domain/locationPrivacy).
 */
export interface DeckCard {
  readonly card: CardView;
  readonly score: number;
  readonly distanceKm: number;
}

export interface DeckResult {
  readonly cardId: string;
  readonly cards: readonly DeckCard[];
  /** True when served from the session's cache rather than built now. */
  readonly cached: boolean;
  readonly builtAt: number;
  /** The lobby that built it. */
  readonly cell: string;
}

/** Commands a device watching a lobby sends it, by message type. */
export const LobbyCommands = {
  /** The message sent on joining, again (see READY_COMMAND). */
  [READY_COMMAND]: ReadyCommand,
  /** The current "nearby now" figure. */
  nearby: z.strictObject({ ref: CommandRef }),
} as const;

/** Messages the lobby sends to devices watching it, by type. */
export const LobbyEventType = {
  READY: 'lobby.ready',
  /** The live "N people nearby now" figure (NearbyMessage); sent at most once a second, and only when it changed. */
  NEARBY: 'nearby',
} as const;

export { NEARBY_FEW_BELOW };

export interface NearbyMessage {
  readonly cell: string;
  /**
   * At least this many other people (the viewer never counts) have an online
   * session whose last location is in this cell: 0 for fewer than
   * NEARBY_FEW_BELOW (5), perhaps none; else 5, 10, 20, 50, 100, 200, 500, ...
   * (domain/nearbyFigure), so one person's coming or going is never told.
   */
  readonly count: number;
}

export type { LobbyChangedData } from '../domain/userEvents';
