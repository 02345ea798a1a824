import { Room, RoomInternalState, type Client, type IRoomCache } from '@colyseus/core';
import type { z } from 'zod';
import { AppError, ErrorCode } from '../domain/errors';
import { MAX_CONNECTIONS_PER_ACTOR } from '../domain/rateLimits';
import type { Revocation } from '../domain/revocationList';
import { actorRoomId, type ActorKind } from '../contracts/actors';
import { KismetCloseCode } from '../contracts/common';
import { reaches } from '../domain/shadowBanAudience';
import { spendOrRefuse } from '../services/rateLimiter';
import { rememberReady } from './commandRouter';
import { HeldSignals } from './heldSignals';
import { roomServices, type SeatToken } from './roomServices';

/** The longest delay a Node.js timer accepts (about 24.8 days). */
export const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** What makes a room an actor, kept in one object (see ActorRoom). */
interface ActorLife {
  kind: ActorKind | undefined;
  /** When this instance became the actor (ms since the epoch): tells two instances of one identity apart. */
  sinceMs: number;
  /** Colyseus listed this instance in the cluster (listed()). */
  listed: boolean;
  /** What the actor's topics said before it was listed (heardOnceListed). */
  readonly early: HeldSignals;
}

/** The actors alive on this node (from becoming an actor until they go). */
const liveActors = new Set<ActorRoom>();

/** Who holds a seat, and the token they reserved it with (what every actor's onAuth answers). */
export interface SeatHolder {
  readonly userId: string;
  readonly seatToken: SeatToken;
}

/** What an admitted connection keeps (its `userData`): whose it is, and the log-in session its token named. */
type Admission = { readonly userId: string; readonly loginSession: string | undefined };

/** What every Kismet actor shares: messages only, and how it leaves a draining or fenced node. */
export abstract class ActorRoom extends Room {
  /** Every actor alive on this node now. */
  static live(): readonly ActorRoom[] {
    return [...liveActors];
  }

  /**
   * The first steps of every actor's onAuth: the caller's access token verified,
   * one of their `request` bucket spent (a join is an HTTP call with a token, and
   * reserves a seat, reads storage and may create an actor), and the join options
   * parsed; or a coded refusal (TOKEN_*, RATE_LIMITED, INVALID_ROOM_OPTIONS).
   */
  static async admitCaller<Options>(token: string, rawOptions: unknown, schema: z.ZodType<Options>): Promise<{ userId: string; options: Options; seatToken: SeatToken }> {
    const services = roomServices();
    const claims = await services.accessTokens.verify(token);
    await spendOrRefuse(services.rateLimits, 'request', claims.userId);
    const options = schema.safeParse(rawOptions);
    if (!options.success) {
      throw new AppError(ErrorCode.INVALID_ROOM_OPTIONS, options.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    }
    return { userId: claims.userId, options: options.data, seatToken: { sessionId: claims.sessionId, issuedAtMs: claims.issuedAtMs } };
  }

  /** A refusal from onJoin: the SDK rejects the join with only the message, so it starts with the code, as matchmaking refusals do. */
  protected static joinRefused(code: ErrorCode, message: string): AppError {
    return new AppError(code, `${code}: ${message}`);
  }

  /**
   * Few properties per room: Colyseus's accessors turn a room's properties into a hash table
   * of at least half again as many slots as entries, in powers of two (a session room with 48
   * entries had 128 slots, 3 KB; with 40, 64). So this one for every actor, and one for the parts
   * of the actors a node holds by the thousand (sessions, chat threads).
   */
  private life: ActorLife = { kind: undefined, sinceMs: 0, listed: false, early: new HeldSignals() };

  /**
   * Makes this room the actor `<kind>:<key>`, once it is sure to live: its deterministic
   * id, no client limit, counted among the node's rooms. Actors keep no synchronised state,
   * and Colyseus ticks `this.clock` 60 times a second in a room without a patch rate (a good
   * part of a core at tens of thousands of actors): the longest timer leaves one idle timer
   * per actor, so actors use plain timers, never `this.clock`.
   */
  protected becomeActor(kind: ActorKind, key: string): void {
    // The identity spells its key in lower case (contracts/actors): another spelling would be a second actor of it.
    if (key !== key.toLowerCase()) throw new AppError(ErrorCode.INVALID_ROOM_OPTIONS, `${kind}: the key in lower case`);
    this.roomId = actorRoomId(kind, key);
    this.maxClients = Number.POSITIVE_INFINITY;
    this.setPatchRate(LONGEST_TIMER_MS);
    this.life.kind = kind;
    this.life.sinceMs = roomServices().now().getTime();
    liveActors.add(this);
    roomServices().metrics.rooms.inc({ kind });
  }

  /**
   * Called first in onLeave: when no connection is left, the actor outlives it by
   * ACTOR_LINGER_MS before Colyseus disposes it (a join meanwhile cancels the wait).
   * A device whose connection closed rejoins at once (client/rejoinPolicy) and finds
   * the actor here. Disposed at once, the actor would race that rejoin: a join that
   * read the listing just before the actor went sends its seat request to a room no
   * node listens for any more, and waits out Colyseus's 2 s IPC timeout.
   */
  protected lingerWhenEmpty(): void {
    // An actor being disconnected (a fenced or draining node, a ban, a closed thread) goes at once.
    if (this.clients.length > 0 || !this.serving) return;
    const lingerMs = roomServices().actorLingerMs;
    (this as unknown as { resetAutoDisposeTimeout(seconds: number): void }).resetAutoDisposeTimeout(lingerMs / 1000);
  }

  /** The actor is going: it no longer counts among the node's rooms. */
  protected actorGone(): void {
    liveActors.delete(this);
    const { kind } = this.life;
    if (kind) {
      roomServices().metrics.rooms.dec({ kind });
      // Never listed: another join created this actor first (this copy was discarded), or the creation failed.
      if (this.listing.roomId === undefined) roomServices().metrics.actorCreationsDiscarded.inc({ kind });
    }
    this.life.kind = undefined;
  }

  /**
   * Sends the message that opens a connection (`session.ready`, ...) and keeps it,
   * so that the `ready` command answers it unchanged to a client that asks later.
   */
  protected sendReady(client: Client, type: string, ready: unknown): void {
    rememberReady(client, ready);
    client.send(type, ready);
  }

  /**
   * Refuses, before it changes anything, a join whose seat was reserved with a token
   * revoked since (the account banned or erased, the session logged out: Colyseus
   * keeps what onAuth found then, and a seat lasts seconds), or of a person who holds
   * MAX_CONNECTIONS_PER_ACTOR here already (the joining connection is not admitted
   * yet, so not counted).
   */
  protected refuseJoin(auth: SeatHolder, held = this.clientsOf(auth.userId).length): void {
    const revoked = roomServices().accessTokens.revocationOf({ userId: auth.userId, ...auth.seatToken });
    if (revoked === 'user') throw ActorRoom.joinRefused(ErrorCode.ACCOUNT_BANNED, 'this account is banned or deleted');
    if (revoked === 'session') throw ActorRoom.joinRefused(ErrorCode.TOKEN_REVOKED, 'the seat was reserved with a token revoked since: log in again');
    if (held >= MAX_CONNECTIONS_PER_ACTOR) {
      throw ActorRoom.joinRefused(ErrorCode.CONNECTION_LIMIT_REACHED, `a person holds at most ${MAX_CONNECTIONS_PER_ACTOR} connections to one actor`);
    }
  }

  /** Admits a connection (see admitted) unless refuseJoin refuses it (`held`: see there). */
  protected admitWithinLimit(client: Client, auth: SeatHolder, held?: number): void {
    this.refuseJoin(auth, held);
    this.admitted(client, auth);
  }

  /** Records whose connection this is, once admitted (see userOf), and its token's log-in session (see onSessionRevoked). */
  private admitted(client: Client, auth: SeatHolder): void {
    client.userData = { userId: auth.userId, loginSession: auth.seatToken.sessionId } satisfies Admission;
  }

  /** The user a connection belongs to; undefined until it was admitted. */
  protected userOf(client: Client): string | undefined {
    return (client.userData as Admission | undefined)?.userId;
  }

  /**
   * The connections of one user, on every device. A loop, not `clients.filter`:
   * Colyseus's client list is an Array subclass, so `filter` builds another one
   * (with an index map of its own) on every call.
   */
  protected clientsOf(userId: string): Client[] {
    const found: Client[] = [];
    for (const client of this.clients) if (this.userOf(client) === userId) found.push(client);
    return found;
  }

  /** Whether one user has a connection here: asked for every member at every stored message of a thread. */
  protected isConnected(userId: string): boolean {
    for (const client of this.clients) if (this.userOf(client) === userId) return true;
    return false;
  }

  /** To every connection of one user, but `except`. */
  protected sendToUser(userId: string, type: string, message: unknown, except?: Client): void {
    for (const client of this.clients) if (client !== except && this.userOf(client) === userId) client.send(type, message);
  }

  /** What a person did, to every connection it reaches (domain/shadowBanAudience): all but `unseenBy`'s (blocks), in one broadcast; the person's own alone while shadow-banned. */
  protected sendFrom(sender: { readonly userId: string; readonly hidden: boolean }, type: string, message: unknown, except?: Client, unseenBy?: ReadonlySet<string>): void {
    if (!sender.hidden) {
      const left = except ? [except] : [];
      if (unseenBy?.size) for (const client of this.clients) if (unseenBy.has(this.userOf(client) ?? '')) left.push(client);
      this.broadcast(type, message, left.length > 0 ? { except: left } : undefined);
      return;
    }
    for (const client of this.clients) if (client !== except && reaches(sender, this.userOf(client))) client.send(type, message);
  }

  /** When this instance became the actor. */
  get liveSince(): number {
    return this.life.sinceMs;
  }

  /** This actor's entry in the cluster's listing, as Colyseus keeps it. */
  get listing(): IRoomCache {
    return (this as unknown as { _listing: IRoomCache })._listing;
  }

  /**
   * Closes every connection with `code` and disposes the actor: the node was fenced off (4507), or another node
   * lists this actor now (4504). One still being created is left to its creation, which fails while Redis is out of reach.
   */
  async leaveWith(code: number): Promise<void> {
    try {
      await this.disconnect(code);
    } catch (error) {
      roomServices().logger.warn({ err: error, roomId: this.roomId }, 'actor not closed (still being created, or its closing failed)');
    }
  }

  /**
   * An actor takes any number of connections (becomeActor), so only a disposing one
   * is full. Colyseus's own check counts the reserved seats (Object.keys) on every
   * seat it reserves: a burst of 2,000 joins to one live event took 14 % of its
   * node's CPU there.
   */
  override hasReachedMaxClients(): boolean {
    if (this.maxClients !== Number.POSITIVE_INFINITY) return super.hasReachedMaxClients();
    return this.lifecycle === RoomInternalState.DISPOSING;
  }

  /**
   * Colyseus listed this instance: its insert into the cluster's listing won. Until
   * then it may be a copy of an actor another join created at the same moment,
   * which Colyseus throws away (server/actorDefinitions.ts calls this).
   */
  listed(): void {
    this.life.listed = true;
    this.life.early.release();
  }

  /** A handler of the actor's topics that waits for the listing (HeldSignals says why). */
  protected heardOnceListed<Message>(handle: (message: Message) => void): (message: Message) => void {
    return this.life.early.hold(handle);
  }

  /** True from the listing of the actor until it starts going (a disconnect or a dispose). */
  get serving(): boolean {
    return this.life.listed && this.lifecycle === RoomInternalState.CREATED;
  }

  /** Where Colyseus has this room in its life (creating, created, disposing), which it keeps unexported. */
  private get lifecycle(): RoomInternalState {
    return (this as unknown as { _internalState: RoomInternalState })._internalState;
  }

  /**
   * The node is back in touch with the cluster after Redis dropped: what was
   * published meanwhile never arrived. Actors that live on published news re-read
   * it from storage here; nothing published before `missedSince` (ms since the epoch) was missed.
   */
  onClusterRejoined(_missedSince: number): void {}

  /**
   * Every connection of a person here was revoked: their `account` banned or erased (sessions and threads
   * hear that on their own topics), or the one log-in they held them all with. A live event and a lobby let them go.
   */
  onPersonRevoked(_userId: string, _account: boolean): void {}

  /**
   * A log-in session was revoked (a log-out, a reused refresh token): the connections its
   * tokens opened here close with 4502, each leaving as any does (the account's other log-ins
   * stay), after onPersonRevoked when they were all the person had here.
   */
  onSessionRevoked(loginSession: string): void {
    const revoked: Client[] = []; // gathered first: a transport may take a client out of the list within leave()
    for (const client of this.clients) if ((client.userData as Admission | undefined)?.loginSession === loginSession) revoked.push(client);
    const userId = revoked[0] && this.userOf(revoked[0]);
    if (userId !== undefined && this.clientsOf(userId).length === revoked.length) this.onPersonRevoked(userId, false);
    for (const client of revoked) client.leave(KismetCloseCode.SESSION_REVOKED);
  }

  /** Tells every actor of this node of a revocation heard (server/auth/tokenRevocations): an account's, or a log-in session's. */
  static revoked({ kind, subject }: Revocation): void {
    for (const actor of liveActors) {
      try {
        if (kind === 'user') actor.onPersonRevoked(subject, true);
        else actor.onSessionRevoked(subject);
      } catch (error) {
        roomServices().logger.warn({ err: error, roomId: actor.roomId, kind, subject }, 'a revocation’s connections not closed');
      }
    }
  }

  /** A draining node tells its clients so (4501): they join again and the actor comes back elsewhere. */
  override onBeforeShutdown(): void {
    this.disconnect(KismetCloseCode.NODE_DRAINING).catch((error: unknown) => roomServices().logger.warn({ err: error, roomId: this.roomId }, 'closing connections on drain failed'));
  }
}
