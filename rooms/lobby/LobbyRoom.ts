import type { AuthContext, Client } from '@colyseus/core';
import { z } from 'zod';
import { findUserLocation } from '../../db/repositories/userRepository';
import type { DeckSearcher } from '../../domain/deckFilters';
import { AppError, ErrorCode } from '../../domain/errors';
import { ActorRoom } from '../actorRoom';
import { mountCommands } from '../commandRouter';
import { CommandRef, KismetCloseCode } from '../../contracts/common';
import { LobbyEventType, LobbyJoinOptions, type DeckCard, type NearbyMessage } from '../../contracts/deck';
import { buildDeck } from './deckBuilder';
import { roomServices } from '../roomServices';

interface LobbyAuth {
  readonly userId: string;
  /** The cell the caller is in, read at admission: they may watch this cell's lobby alone. */
  readonly cell: string;
}

/** A session renews its user's place in the lobby this often; a place not renewed for two periods lapses. */
export const LOBBY_RENEW_MS = 20_000;
export const LOBBY_LEASE_MS = 2 * LOBBY_RENEW_MS + 5_000;

/** "Nearby now" goes out at most this often, and only when it changed. */
export const NEARBY_INTERVAL_MS = 1_000;

/** A lobby with nobody in it and nobody watching lingers this long, then goes. */
const EMPTY_LINGER_MS = 30_000;

/** What the lobby's remote methods answer: results or a coded refusal (codes do not survive IPC errors). */
export type LobbyAnswer<T> = { readonly ok: true; readonly result: T } | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

const LobbyCommands = {
  /** The current "nearby now" figure. */
  nearby: z.strictObject({ ref: CommandRef }),
} as const;

/**
 * `cell:<h3Index>`: the discovery lobby of one H3 cell. Sessions place their
 * users here (the user's session renews the place while a device is online);
 * it publishes how many are here now to the devices watching it, and builds
 * decks from its cell and the rings around it.
 */
export class LobbyRoom extends ActorRoom {
  private cell = '';
  private readonly members = new Map<string, { expiresAt: number; hidden: boolean }>(); // by userId
  /** Shadow-banned members: counted for nobody but themselves. */
  private hiddenCount = 0;
  private lastSentCount = -1;
  private nearbyTimer: NodeJS.Timeout | undefined;
  private lastNearbyAt = 0;
  private sweepTimer: NodeJS.Timeout | undefined;
  private emptySince: number | undefined;

  /** Only someone whose current location is in the cell watches its lobby. */
  static override async onAuth(token: string, rawOptions: unknown, _context: AuthContext): Promise<LobbyAuth> {
    const { userId, options } = await ActorRoom.admit(token, rawOptions, LobbyJoinOptions);
    const location = await findUserLocation(roomServices().db, userId);
    if (location?.h3Cell !== options.cell) throw new AppError(ErrorCode.NOT_IN_CELL, 'you can watch only the lobby of the cell you are in');
    return { userId, cell: location.h3Cell };
  }

  override onCreate(options: { cell: string }): void {
    const parsed = LobbyJoinOptions.safeParse({ cell: options.cell });
    if (!parsed.success) throw new AppError(ErrorCode.INVALID_ROOM_OPTIONS, 'cell: an H3 index');
    this.cell = parsed.data.cell;
    this.becomeActor('cell', this.cell);
    this.autoDispose = false; // sessions place people here without a client connection
    const services = roomServices();
    this.sweepTimer = setInterval(() => this.sweep(), LOBBY_RENEW_MS / 2);
    mountCommands(this, 'cell', services, LobbyCommands, { nearby: (client) => this.nearbyNow(this.watcherOf(client)) });
  }

  override onJoin(client: Client, _options: unknown, auth: LobbyAuth): void {
    // Whatever route brought the caller here, only someone located in this cell watches it.
    if (auth?.cell !== this.cell) throw ActorRoom.joinRefused(ErrorCode.NOT_IN_CELL, 'you can watch only the lobby of the cell you are in');
    client.userData = { userId: auth.userId };
    this.emptySince = undefined;
    client.send(LobbyEventType.READY, this.nearbyNow(auth.userId));
  }

  override onLeave(): void {
    this.sweep();
  }

  override onDispose(): void {
    clearInterval(this.sweepTimer);
    clearTimeout(this.nearbyTimer);
    this.actorGone();
  }

  // ---- called by sessions through matchMaker.remoteRoomCall (arguments and answers are JSON) ----

  /** Places a user here, or renews their place; a shadow-banned user (`hidden`) counts for nobody else. */
  enter(userId: string, hidden = false): LobbyAnswer<NearbyMessage> {
    this.setMember(userId, { expiresAt: roomServices().now().getTime() + LOBBY_LEASE_MS, hidden });
    this.emptySince = undefined;
    this.scheduleNearby();
    return { ok: true, result: this.nearbyNow(userId) };
  }

  /** Takes a user out; their devices watching this lobby are told to watch their new one. */
  leave(userId: string): LobbyAnswer<NearbyMessage> {
    this.setMember(userId, undefined);
    for (const client of this.clients) {
      if (this.watcherOf(client) === userId) client.leave(KismetCloseCode.LOBBY_MOVED);
    }
    this.scheduleNearby();
    return { ok: true, result: this.nearbyNow() };
  }

  async deck(searcher: DeckSearcher, limit: number): Promise<LobbyAnswer<readonly DeckCard[]>> {
    const services = roomServices();
    try {
      const cards = await buildDeck(services.db, searcher, {
        resolution: services.matching.h3Resolution,
        limit,
        withdrawn: (card) => services.withdrawn.has(card),
      });
      return { ok: true, result: cards };
    } catch (error) {
      services.logger.error({ err: error, cell: this.cell }, 'deck build failed');
      return { ok: false, code: ErrorCode.INTERNAL, message: 'the deck could not be built' };
    }
  }

  // ---- "nearby now" ----

  /** The people placed here, as `viewerId` is shown them: everyone visible, and themselves. */
  private nearbyNow(viewerId?: string): NearbyMessage {
    const ownHidden = viewerId !== undefined && this.members.get(viewerId)?.hidden === true ? 1 : 0;
    return { cell: this.cell, count: this.members.size - this.hiddenCount + ownHidden };
  }

  private setMember(userId: string, member: { expiresAt: number; hidden: boolean } | undefined): void {
    if (this.members.get(userId)?.hidden) this.hiddenCount--;
    if (member) this.members.set(userId, member);
    else this.members.delete(userId);
    if (member?.hidden) this.hiddenCount++;
  }

  private watcherOf(client: Client): string | undefined {
    return (client.userData as { userId?: string } | undefined)?.userId;
  }

  private scheduleNearby(): void {
    if (this.nearbyTimer) return;
    const wait = Math.max(0, this.lastNearbyAt + NEARBY_INTERVAL_MS - Date.now());
    this.nearbyTimer = setTimeout(() => {
      this.nearbyTimer = undefined;
      this.lastNearbyAt = Date.now();
      const count = this.nearbyNow().count;
      if (count === this.lastSentCount || this.clients.length === 0) return;
      // Under overload the figure waits; the next change after the node recovers carries it.
      if (roomServices().shouldShed('nearby.now')) return;
      this.lastSentCount = count;
      if (this.hiddenCount === 0) this.broadcast(LobbyEventType.NEARBY, this.nearbyNow());
      else for (const client of this.clients) client.send(LobbyEventType.NEARBY, this.nearbyNow(this.watcherOf(client)));
    }, wait);
  }

  /** Lets lapsed places go, and the lobby itself once it has been empty a while. */
  private sweep(): void {
    const nowMs = roomServices().now().getTime();
    let lapsed = false;
    for (const [userId, { expiresAt }] of this.members) {
      if (expiresAt <= nowMs) {
        this.setMember(userId, undefined);
        lapsed = true;
      }
    }
    if (lapsed) this.scheduleNearby();
    if (this.members.size > 0 || this.clients.length > 0) {
      this.emptySince = undefined;
      return;
    }
    this.emptySince ??= nowMs;
    if (nowMs - this.emptySince >= EMPTY_LINGER_MS) this.disconnect().catch(() => undefined);
  }
}
