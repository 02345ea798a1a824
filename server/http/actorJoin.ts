import { ErrorCode as ColyseusErrorCode, matchMaker, ServerError, type AuthContext, type IRoomCache } from '@colyseus/core';
import { actorIdOfRequest } from '../cluster/actorPlacement';
import type { SilentNodes } from '../cluster/silentNodes';

/** Seat refusals retried before the join is answered UNAVAILABLE (as Colyseus's own joinOrCreate does). */
const SEAT_RETRIES = 5;
/** The first retry waits up to this long; each later one up to twice as long as the one before. */
const FIRST_RETRY_MAX_MS = 400;

type SeatReservation = Awaited<ReturnType<typeof matchMaker.reserveSeatFor>>;

/** Colyseus's SeatReservationError, which it does not export. */
export function isSeatReservationError(error: unknown): boolean {
  return error instanceof Error && error.constructor.name === 'SeatReservationError';
}

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
 * (a live event's attendees arrive together), so a burst creates at most one copy
 * per node, not one per join.
 *
 * An actor listed on a node nobody hears any more (killed without a word) is not
 * asked for a seat, which would wait out Colyseus's IPC timeout and then a health
 * check: the join waits for that node's lease to lapse, its listings go, and the
 * join creates the actor anew (server/cluster/silentNodes.ts).
 *
 * Errors leave as Colyseus's matchmaking controller leaves them, except seat
 * refusals still standing after the retries, which the route answers UNAVAILABLE.
 */
export async function joinOrCreateActor(
  roomName: string,
  options: Record<string, unknown>,
  context: AuthContext,
  {
    deadlineAt = Number.POSITIVE_INFINITY,
    silentNodes,
  }: {
    /** When the join is answered UNAVAILABLE whatever happens (ms since the epoch): no retry starts after it. */
    readonly deadlineAt?: number;
    /** In a cluster: an actor found on a node nobody hears any more is created anew once that node's lease lapsed. */
    readonly silentNodes?: SilentNodes | undefined;
  } = {},
): Promise<SeatReservation> {
  try {
    const authData = await admit(roomName, options, context);
    for (let attempt = 0; ; attempt++) {
      try {
        const found: IRoomCache | undefined = await matchMaker.findOneRoomAvailable(roomName, options);
        // A node that just created the actor has answered this join: only an actor found listed may be on a dead one.
        if (found && attempt < SEAT_RETRIES && silentNodes && (await heldBySilentNode(found, silentNodes))) continue; // its listings are gone: find or create again
        const listing = found ?? (await createOnce(roomName, options));
        return await matchMaker.reserveSeatFor(listing, options, authData);
      } catch (error) {
        const backoffMs = Math.floor(Math.random() * 2 ** (attempt + 1) * FIRST_RETRY_MAX_MS);
        if (!isSeatReservationError(error) || attempt >= SEAT_RETRIES || Date.now() + backoffMs >= deadlineAt) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    }
  } catch (error) {
    if (isSeatReservationError(error)) throw error;
    const { code, message } = error as { code?: number; message?: string };
    throw new ServerError(code || ColyseusErrorCode.MATCHMAKE_UNHANDLED, message ?? String(error));
  }
}

/** True once the listing's node, which nobody hears any more, let its lease lapse and its listings were removed. */
async function heldBySilentNode(listing: IRoomCache, silentNodes: SilentNodes): Promise<boolean> {
  const owner = listing.processId;
  if (!owner || owner === matchMaker.processId || !(await silentNodes.isSilent(owner))) return false;
  return silentNodes.sweep(owner);
}

/** Creations under way on this node, by actor id. */
const creating = new Map<string, Promise<IRoomCache>>();

/** Creates the actor a join names, or waits for the creation of it this node has under way. */
function createOnce(roomName: string, options: Record<string, unknown>): Promise<IRoomCache> {
  const actorId = actorIdOfRequest(roomName, options);
  const underWay = creating.get(actorId);
  if (underWay) return underWay;
  const creation = matchMaker.createRoom(roomName, options).finally(() => creating.delete(actorId));
  creating.set(actorId, creation);
  return creation;
}

/** The room class's static onAuth, as Colyseus calls it at matchmaking: its result is the seat's auth data. */
async function admit(roomName: string, options: Record<string, unknown>, context: AuthContext): Promise<unknown> {
  const onAuth = (matchMaker.getRoomClass(roomName) as unknown as { onAuth?: (token: string | undefined, options: unknown, context: AuthContext) => unknown } | undefined)?.onAuth;
  if (!onAuth) return undefined;
  const result = await onAuth(context.token, options, context);
  if (result === false || result === null || result === undefined) throw new ServerError(ColyseusErrorCode.AUTH_FAILED, 'onAuth failed');
  return result === true ? undefined : result;
}
