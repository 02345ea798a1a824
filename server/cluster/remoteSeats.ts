import { generateId, matchMaker, type IRoomCache, type Presence } from '@colyseus/core';
import { actorIdOfRequest } from './actorPlacement';
import { actorCreations } from './actorCreations';

/** How long a node waits for another's answer: as long as Colyseus's own calls between nodes wait. */
const ANSWER_TIMEOUT_MS = 2000;

/** What a seat reservation names of an actor: which one, on which node, and where its clients connect. */
export type SeatListing = Pick<IRoomCache, 'name' | 'roomId' | 'processId' | 'publicAddress'>;

/** A node's request to another for a seat: in an actor it lists (`roomId`), or in one it is to create. */
interface SeatRequest {
  readonly id: string;
  readonly from: string;
  readonly roomName: string;
  readonly roomId?: string;
  readonly options: Record<string, unknown>;
  readonly authData: unknown;
  readonly sessionId: string;
}

/**
 * `seated`: the seat is reserved in that actor. `elsewhere`: another node created
 * the actor first, and no seat was taken. `refused`: no seat now (the actor went, the
 * node drains or may not create); the join asks again. `failed`: the creation failed.
 */
type SeatAnswer =
  | { readonly id: string; readonly outcome: 'seated' | 'elsewhere'; readonly listing: SeatListing }
  | { readonly id: string; readonly outcome: 'refused'; readonly reason: string }
  | { readonly id: string; readonly outcome: 'failed'; readonly code?: number | string; readonly message: string };

/** Where a seat was reserved, or which node holds an actor that another node created first. */
export interface RemoteSeat {
  readonly listing: SeatListing;
  readonly seated: boolean;
}

/** No seat now: the join may ask again (as after Colyseus's own SeatReservationError). */
export class RemoteSeatRefused extends Error {
  constructor(
    message: string,
    /** True when the other node did not answer at all. */
    readonly unanswered = false,
  ) {
    super(message);
  }
}

/** A seat refusal a join may retry: Colyseus's SeatReservationError (which it does not export), or another node's. */
export function isSeatReservationError(error: unknown): boolean {
  return error instanceof RemoteSeatRefused || (error instanceof Error && error.constructor.name === 'SeatReservationError');
}

type ReservingRoom = { _reserveSeat(sessionId: string, options: unknown, authData: unknown): Promise<boolean> };

const requestsChannel = (processId: string) => `kismet:seats:${processId}`;
const answersChannel = (processId: string) => `kismet:seated:${processId}`;

/**
 * Seats in actors on other nodes, one message there and one back.
 *
 * Colyseus asks another node to create an actor, then asks the actor for a seat:
 * two calls, each subscribing to a reply channel of its own before it publishes,
 * and unsubscribing after (four Redis commands and two round trips to Redis on the
 * asking node before anything is sent). Here every node listens on two channels
 * from its start, one for requests and one for answers, and a request to create
 * carries the seat with it: the other node creates the actor (sharing a creation
 * under way there) and reserves the seat in the same turn.
 */
export class RemoteSeats {
  private readonly waiting = new Map<string, { resolve(answer: SeatAnswer): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
  private stopped = false;

  constructor(
    private readonly deps: {
      readonly presence: Presence;
      /** Why this node may not create actors now (fenced, rejoining the cluster), if it may not. */
      readonly creationRefusal: () => string | undefined;
      /** Each request this node made, by how it ended (for the node's metrics). */
      readonly onOutcome?: (outcome: SeatAnswer['outcome'] | 'unanswered') => void;
    },
  ) {}

  /** Listens for requests and answers; before the node is listed anywhere, so no request finds it deaf. */
  async start(): Promise<void> {
    const self = matchMaker.processId;
    await Promise.all([
      this.deps.presence.subscribe(requestsChannel(self), (request: SeatRequest) => void this.serve(request)),
      this.deps.presence.subscribe(answersChannel(self), (answer: SeatAnswer) => this.settle(answer)),
    ]);
  }

  stop(): void {
    this.stopped = true;
    const self = matchMaker.processId;
    void Promise.resolve(this.deps.presence.unsubscribe(requestsChannel(self))).catch(() => undefined);
    void Promise.resolve(this.deps.presence.unsubscribe(answersChannel(self))).catch(() => undefined);
    for (const [id, call] of this.waiting) {
      clearTimeout(call.timer);
      call.reject(new RemoteSeatRefused('this node is stopping'));
      this.waiting.delete(id);
    }
  }

  /** A seat in an actor another node lists. */
  async seatIn(listing: IRoomCache, options: Record<string, unknown>, authData: unknown, sessionId: string): Promise<RemoteSeat> {
    return this.seat(listing.processId, { roomName: listing.name, roomId: listing.roomId, options, authData, sessionId });
  }

  /** The actor created on node `processId`, and a seat in it, in one call. */
  async createAndSeat(processId: string, roomName: string, options: Record<string, unknown>, authData: unknown, sessionId: string): Promise<RemoteSeat> {
    return this.seat(processId, { roomName, options, authData, sessionId });
  }

  private async seat(processId: string, request: Omit<SeatRequest, 'id' | 'from'>): Promise<RemoteSeat> {
    const answer = await this.call(processId, { ...request, id: generateId(), from: matchMaker.processId }).catch((error: unknown) => {
      if (error instanceof RemoteSeatRefused && error.unanswered) this.deps.onOutcome?.('unanswered');
      throw error;
    });
    this.deps.onOutcome?.(answer.outcome);
    if (answer.outcome === 'refused') throw new RemoteSeatRefused(answer.reason);
    if (answer.outcome === 'failed') throw Object.assign(new Error(answer.message), answer.code === undefined ? {} : { code: answer.code });
    return { listing: answer.listing, seated: answer.outcome === 'seated' };
  }

  private call(processId: string, request: SeatRequest): Promise<SeatAnswer> {
    if (this.stopped) return Promise.reject(new RemoteSeatRefused('this node is stopping'));
    return new Promise<SeatAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(request.id);
        reject(new RemoteSeatRefused(`node ${processId} did not answer within ${ANSWER_TIMEOUT_MS} ms`, true));
      }, ANSWER_TIMEOUT_MS);
      this.waiting.set(request.id, { resolve, reject, timer });
      Promise.resolve(this.deps.presence.publish(requestsChannel(processId), request)).catch((error: unknown) => {
        clearTimeout(timer);
        this.waiting.delete(request.id);
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  private settle(answer: SeatAnswer): void {
    const call = this.waiting.get(answer.id);
    if (!call) return; // answered after its wait ran out: the seat it holds expires unused
    clearTimeout(call.timer);
    this.waiting.delete(answer.id);
    call.resolve(answer);
  }

  private async serve(request: SeatRequest): Promise<void> {
    let answer: SeatAnswer;
    try {
      answer = await this.answer(request);
    } catch (error) {
      const { code, message } = error as { code?: number | string; message?: string };
      answer = isSeatReservationError(error)
        ? { id: request.id, outcome: 'refused', reason: (error as Error).message }
        : { id: request.id, outcome: 'failed', ...(code === undefined ? {} : { code }), message: message ?? String(error) };
    }
    // A lost answer: the asking node's wait runs out and its join asks again.
    await Promise.resolve(this.deps.presence.publish(answersChannel(request.from), answer)).catch(() => undefined);
  }

  private async answer(request: SeatRequest): Promise<SeatAnswer> {
    const refused = (reason: string): SeatAnswer => ({ id: request.id, outcome: 'refused', reason });
    if (this.stopped || matchMaker.state === matchMaker.MatchMakerState.SHUTTING_DOWN) return refused('the node is draining');
    let roomId = request.roomId;
    if (roomId === undefined) {
      const why = this.deps.creationRefusal();
      if (why !== undefined) return refused(why);
      const actorId = actorIdOfRequest(request.roomName, request.options);
      const listing = await actorCreations.createHere(actorId, () => matchMaker.handleCreateRoom(request.roomName, request.options));
      if (listing.processId !== matchMaker.processId) return { id: request.id, outcome: 'elsewhere', listing: seatListing(listing) };
      roomId = listing.roomId;
    }
    const room = matchMaker.getLocalRoomById(roomId);
    if (!room) return refused(`${roomId} is not on this node`);
    const reserved = await (room as unknown as ReservingRoom)._reserveSeat(request.sessionId, request.options, request.authData);
    if (!reserved) return refused(`${roomId} takes no more seats`);
    return { id: request.id, outcome: 'seated', listing: seatListing((room as unknown as { _listing: IRoomCache })._listing) };
  }
}

function seatListing(listing: IRoomCache): SeatListing {
  return {
    name: listing.name,
    roomId: listing.roomId,
    processId: listing.processId,
    ...(listing.publicAddress ? { publicAddress: listing.publicAddress } : {}),
  };
}
