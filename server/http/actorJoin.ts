import { ErrorCode as ColyseusErrorCode, generateId, matchMaker, ServerError, type AuthContext, type IRoomCache } from '@colyseus/core';
import { withCanonicalActorKey } from '../../contracts/actors';
import { AppError } from '../../domain/errors';
import { actorIdOfRequest } from '../cluster/actorPlacement';
import { actorCreations, servingHere, type Placing } from '../cluster/actorCreations';
import { isSeatReservationError, RemoteSeatRefused, type RemoteSeats, type SeatListing } from '../cluster/remoteSeats';
import type { SilentNodes } from '../cluster/silentNodes';

/** Seat refusals retried before the join is answered UNAVAILABLE (as Colyseus's own joinOrCreate does). */
const SEAT_RETRIES = 5;
/** The first retry waits up to this long; each later one up to twice as long as the one before. */
const FIRST_RETRY_MAX_MS = 400;

type SeatReservation = Awaited<ReturnType<typeof matchMaker.reserveSeatFor>>;

/**
 * `joinOrCreate` for an actor: the caller admitted by the actor's static onAuth,
 * then its actor found by id, or created, and a seat reserved in it.
 *
 * Colyseus's own joinOrCreate also takes a cluster-wide lock per identity around
 * the find-or-create (two MULTI round trips to Redis, a second read of the
 * listing and a publish on every join that creates). Actors do not need it: the
 * listing's insert is atomic (ActorRedisDriver.insert), so when two nodes create
 * the same identity at once the second copy is discarded and its join reserves
 * its seat in the first. Joins of one identity on one node share one creation
 * (server/cluster/actorCreations.ts).
 *
 * In a cluster, a seat in an actor on another node, and the creation of an actor
 * placed on another node together with the first seat in it, are one request
 * there and one answer back (server/cluster/remoteSeats.ts).
 *
 * An actor listed on a node nobody hears any more (killed without a word, or cut
 * off with its lease lapsed while Redis keeps its connections) is not asked for a
 * seat, which would wait out the other node's answer and then a health check (a
 * deaf node's actors would stay out of reach until Redis dropped its connections,
 * minutes): the join waits for that node's lease to lapse, its listings go, and the
 * join creates the actor anew (server/cluster/silentNodes.ts).
 *
 * Errors leave as Colyseus's matchmaking controller leaves them, except seat
 * refusals still standing after the retries, which the route answers UNAVAILABLE.
 */
export async function joinOrCreateActor(
  roomName: string,
  requested: Readonly<Record<string, unknown>>,
  context: AuthContext,
  {
    deadlineAt = Number.POSITIVE_INFINITY,
    silentNodes,
    remoteSeats,
  }: {
    /** When the join is answered UNAVAILABLE whatever happens (ms since the epoch): no retry starts after it. */
    readonly deadlineAt?: number;
    /** In a cluster: an actor found on a node nobody hears any more is created anew once that node's lease lapsed. */
    readonly silentNodes?: SilentNodes | undefined;
    /** In a cluster: seats in actors on other nodes, in one call each. */
    readonly remoteSeats?: RemoteSeats | undefined;
  } = {},
): Promise<SeatReservation> {
  // Admission, the search and the creation all see the key as the actor's identity spells it.
  const options = withCanonicalActorKey(roomName, requested);
  try {
    const authData = await admit(roomName, options, context);
    const seats = new Seats(options, authData, remoteSeats);
    for (let attempt = 0; ; attempt++) {
      try {
        const found: IRoomCache | undefined = await matchMaker.findOneRoomAvailable(roomName, options);
        // A node that just created the actor has answered this join: only an actor found listed may be on a dead one.
        if (found && attempt < SEAT_RETRIES && silentNodes && (await heldBySilentNode(found, silentNodes))) continue; // its listings are gone: find or create again
        return await (found ? seats.seatIn(found) : seats.createAndSeat(roomName));
      } catch (error) {
        const backoffMs = Math.floor(Math.random() * 2 ** (attempt + 1) * FIRST_RETRY_MAX_MS);
        if (!isSeatReservationError(error) || attempt >= SEAT_RETRIES || Date.now() + backoffMs >= deadlineAt) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    }
  } catch (error) {
    // Kismet's own refusals keep what they carry (a RATE_LIMITED or UNAVAILABLE join's retryAfterMs).
    if (isSeatReservationError(error) || error instanceof AppError) throw error;
    const { code, message } = error as { code?: number; message?: string };
    throw new ServerError(code || ColyseusErrorCode.MATCHMAKE_UNHANDLED, message ?? String(error));
  }
}

/** True once the listing's node, which nobody hears any more or whose lease is gone, let its lease lapse and its listings were removed. */
async function heldBySilentNode(listing: IRoomCache, silentNodes: SilentNodes): Promise<boolean> {
  const owner = listing.processId;
  if (!owner || owner === matchMaker.processId || !(await silentNodes.isSilent(owner))) return false;
  return silentNodes.sweep(owner);
}

/** The seat of one join, wherever its actor is or is to be. */
class Seats {
  constructor(
    private readonly options: Record<string, unknown>,
    private readonly authData: unknown,
    private readonly remote: RemoteSeats | undefined,
  ) {}

  /** A seat in a listed actor: by Colyseus on this node (or without a cluster), in one call on another. */
  async seatIn(listing: IRoomCache): Promise<SeatReservation> {
    if (!this.remote || listing.processId === matchMaker.processId) return matchMaker.reserveSeatFor(listing, this.options, this.authData);
    const sessionId = this.sessionId();
    const seat = await this.remote.seatIn(listing, this.options, this.authData, sessionId);
    return seatReservation(seat.listing, sessionId);
  }

  /**
   * The actor created where placement puts it, and a seat in it; or, while a
   * creation of it is under way on this node, a seat in what that creates; or a
   * seat in this node's own copy, serving but not listed (`servingHere`). The
   * creation is shared from before placement is decided, so joins that arrive
   * together do not decide apart.
   */
  async createAndSeat(roomName: string): Promise<SeatReservation> {
    const actorId = actorIdOfRequest(roomName, this.options);
    const serving = servingHere(actorId); // not listed, yet here: Redis lost its listing
    if (serving) return this.seatIn(serving);
    const underWay = actorCreations.underWayFor(actorId);
    if (underWay) return this.seatIn(await underWay);
    const placing: Placing = { here: false };
    const creation = this.placeAndCreate(roomName, placing);
    actorCreations.share(actorId, creation.then(({ listing }) => listing), placing);
    const { listing, reservation } = await creation;
    return reservation ?? this.seatIn(listing);
  }

  /** Creates the actor where placement puts it; when that is another node, with this join's seat. */
  private async placeAndCreate(roomName: string, placing: Placing): Promise<{ listing: IRoomCache; reservation?: SeatReservation }> {
    const createHere = async () => {
      placing.here = true;
      return { listing: await matchMaker.handleCreateRoom(roomName, this.options) };
    };
    const placed = matchMaker.state === matchMaker.MatchMakerState.READY ? await matchMaker.selectProcessIdToCreateRoom(roomName, this.options) : matchMaker.processId;
    if (placed === matchMaker.processId) return createHere();
    if (!this.remote) return { listing: await matchMaker.createRoom(roomName, this.options) }; // Colyseus's own call to that node
    const sessionId = this.sessionId();
    try {
      const seat = await this.remote.createAndSeat(placed, roomName, this.options, this.authData, sessionId);
      const listing = seat.listing as IRoomCache;
      return seat.seated ? { listing, reservation: seatReservation(seat.listing, sessionId) } : { listing };
    } catch (error) {
      if (!(error instanceof RemoteSeatRefused)) throw error;
      // As Colyseus does when a node does not answer a creation: leave it out of placement, create here.
      // A node that refused (it drains, or may not create now) leaves placement by itself.
      if (error.unanswered) await matchMaker.stats.excludeProcess(placed);
      return createHere();
    }
  }

  /** The seat's session id, as Colyseus picks it. */
  private sessionId(): string {
    const fromAuth = (this.authData as { sessionId?: unknown } | undefined)?.sessionId;
    return typeof fromAuth === 'string' && fromAuth.length > 0 ? fromAuth : generateId();
  }
}

/** The reservation a client connects with, as Colyseus builds it: the seat's listing and its session id. */
function seatReservation(listing: SeatListing, sessionId: string): SeatReservation {
  return { ...listing, sessionId } as SeatReservation;
}

/** The room class's static onAuth, as Colyseus calls it at matchmaking: its result is the seat's auth data. */
async function admit(roomName: string, options: Record<string, unknown>, context: AuthContext): Promise<unknown> {
  const onAuth = (matchMaker.getRoomClass(roomName) as unknown as { onAuth?: (token: string | undefined, options: unknown, context: AuthContext) => unknown } | undefined)?.onAuth;
  if (!onAuth) return undefined;
  const result = await onAuth(context.token, options, context);
  if (result === false || result === null || result === undefined) throw new ServerError(ColyseusErrorCode.AUTH_FAILED, 'onAuth failed');
  return result === true ? undefined : result;
}
