import type { AuthContext, Client } from '@colyseus/core';
import { findUserLocation } from '../../db/repositories/userRepository';
import type { DeckSearcher } from '../../domain/deckFilters';
import { AppError, ErrorCode } from '../../domain/errors';
import { LOBBY_RENEW_MS, LobbyLeases } from '../../domain/lobbyLeases';
import { refuseClosedAccount } from '../accountStanding';
import { ActorRoom, type SeatHolder } from '../actorRoom';
import { AtMostEvery, REAL_TIMERS } from '../atMostEvery';
import { mountCommands } from '../commandRouter';
import { answerRemotely, type RemoteAnswer } from '../remoteAnswer';
import { KismetCloseCode } from '../../contracts/common';
import { LobbyCommands, LobbyEventType, LobbyJoinOptions, type DeckCard, type NearbyMessage } from '../../contracts/deck';
import { buildDeck } from './deckBuilder';
import { roomServices } from '../roomServices';

interface LobbyAuth extends SeatHolder {
  /** The cell the caller is in, read at admission: they may watch this cell's lobby alone. */
  readonly cell: string;
}

/** "Nearby now" goes out at most this often, and only when it changed. */
export const NEARBY_INTERVAL_MS = 1_000;

/** A lobby with nobody in it and nobody watching lingers this long, then goes. */
const EMPTY_LINGER_MS = 30_000;

/**
 * `cell:<h3Index>`: the discovery lobby of one H3 cell. Sessions place their
 * users here (the user's session renews the place while a device is online);
 * it publishes how many are here now to the devices watching it, and builds
 * decks from its cell and the rings around it.
 */
export class LobbyRoom extends ActorRoom {
  private cell = '';
  private readonly leases = new LobbyLeases();
  /** The figure each watching connection was last sent: each sees the others, not themselves. */
  private readonly lastSent = new WeakMap<Client, number>();
  /** "Nearby now" goes out through this, on the services' clock. */
  private readonly nearby = new AtMostEvery(NEARBY_INTERVAL_MS, () => this.tellNearby(), {
    ...REAL_TIMERS,
    now: () => roomServices().now().getTime(),
  });
  private sweepTimer: NodeJS.Timeout | undefined;
  private emptySince: number | undefined;

  /** Only someone whose current location is in the cell watches its lobby, with an account neither banned nor deleted. */
  static override async onAuth(token: string, rawOptions: unknown, _context: AuthContext): Promise<LobbyAuth> {
    const { userId, options, seatToken } = await ActorRoom.admitCaller(token, rawOptions, LobbyJoinOptions);
    const [, location] = await Promise.all([refuseClosedAccount(userId), findUserLocation(roomServices().db, userId)]);
    if (location?.h3Cell !== options.cell) throw new AppError(ErrorCode.NOT_IN_CELL, 'you can watch only the lobby of the cell you are in');
    return { userId, seatToken, cell: location.h3Cell };
  }

  override onCreate(options: { cell: string }): void {
    const parsed = LobbyJoinOptions.safeParse({ cell: options.cell });
    if (!parsed.success) throw new AppError(ErrorCode.INVALID_ROOM_OPTIONS, 'cell: an H3 index');
    this.cell = parsed.data.cell;
    this.becomeActor('cell', this.cell);
    this.autoDispose = false; // sessions place people here without a client connection
    const services = roomServices();
    this.sweepTimer = setInterval(() => this.sweep(), LOBBY_RENEW_MS / 2);
    mountCommands(this, 'cell', services, LobbyCommands, { nearby: (client) => this.nearbyNow(this.userOf(client)) });
  }

  override onJoin(client: Client, _options: unknown, auth: LobbyAuth): void {
    // Whatever route brought the caller here, only someone located in this cell watches it.
    if (auth?.cell !== this.cell) throw ActorRoom.joinRefused(ErrorCode.NOT_IN_CELL, 'you can watch only the lobby of the cell you are in');
    this.admitWithinLimit(client, auth);
    roomServices().metrics.connections.inc();
    this.emptySince = undefined;
    const ready = this.nearbyNow(auth.userId);
    this.lastSent.set(client, ready.count);
    this.sendReady(client, LobbyEventType.READY, ready);
  }

  override onLeave(client: Client): void {
    // Colyseus calls this for a join that onJoin refused too: that one was never counted.
    if (this.userOf(client) !== undefined) roomServices().metrics.connections.dec();
    this.sweep();
  }

  override onDispose(): void {
    clearInterval(this.sweepTimer);
    this.nearby.close();
    this.actorGone();
  }

  // ---- called by sessions through matchMaker.remoteRoomCall (arguments and answers are JSON) ----

  /** Places a user here, or renews their place; a shadow-banned user (`hidden`) counts for nobody else. */
  enter(userId: string, hidden = false): Promise<RemoteAnswer<NearbyMessage>> {
    return answerRemotely('lobby enter', () => {
      this.leases.enter(userId, hidden, roomServices().now().getTime());
      this.emptySince = undefined;
      this.scheduleNearby();
      return this.nearbyNow(userId);
    });
  }

  /** Takes a user out; their devices watching this lobby are told to watch their new one. */
  leave(userId: string): Promise<RemoteAnswer<NearbyMessage>> {
    return answerRemotely('lobby leave', () => {
      this.letGo(userId, KismetCloseCode.LOBBY_MOVED);
      return this.nearbyNow();
    });
  }

  /**
   * Banned or erased, heard on every node: they watch no more (closed as their session is)
   * and count for nobody. Their one log-in here revoked, only its watchers close: the place
   * is their session's to keep, which a device of another log-in may hold online.
   */
  override onPersonRevoked(userId: string, account: boolean): void {
    if (account) this.letGo(userId, KismetCloseCode.SESSION_REVOKED);
    else for (const client of this.clientsOf(userId)) client.leave(KismetCloseCode.SESSION_REVOKED);
  }

  /** Takes a user's place away and closes their watching connections with `code`. */
  private letGo(userId: string, code: number): void {
    for (const client of this.clientsOf(userId)) client.leave(code);
    if (this.leases.leave(userId)) this.scheduleNearby();
  }

  deck(searcher: DeckSearcher, limit: number): Promise<RemoteAnswer<readonly DeckCard[]>> {
    const services = roomServices();
    return answerRemotely(`deck build in ${this.cell}`, () =>
      buildDeck(services.db, searcher, { resolution: services.matching.h3Resolution, limit, withdrawn: (card) => services.withdrawn.has(card) }),
    );
  }

  // ---- "nearby now" ----

  /** The others placed here, as `viewerId` is shown them (domain/lobbyLeases). */
  private nearbyNow(viewerId?: string): NearbyMessage {
    return { cell: this.cell, count: this.leases.nearbyFor(viewerId) };
  }

  private scheduleNearby(): void {
    this.nearby.request();
  }

  private tellNearby(): void {
    const changed = this.clients
      .map((client) => ({ client, message: this.nearbyNow(this.userOf(client)) }))
      .filter(({ client, message }) => this.lastSent.get(client) !== message.count);
    // Under overload the figure waits; the next change after the node recovers carries it.
    if (changed.length === 0 || roomServices().shouldShed('nearby.now')) return;
    for (const { client, message } of changed) {
      this.lastSent.set(client, message.count);
      client.send(LobbyEventType.NEARBY, message);
    }
  }

  /** Lets lapsed places go, and the lobby itself once it has been empty a while. */
  private sweep(): void {
    const nowMs = roomServices().now().getTime();
    if (this.leases.sweep(nowMs)) this.scheduleNearby();
    if (this.leases.size > 0 || this.clients.length > 0) {
      this.emptySince = undefined;
      return;
    }
    this.emptySince ??= nowMs;
    if (nowMs - this.emptySince >= EMPTY_LINGER_MS) {
      this.disconnect().catch((error: unknown) => roomServices().logger.warn({ err: error, cell: this.cell }, 'closing an empty lobby failed'));
    }
  }
}
