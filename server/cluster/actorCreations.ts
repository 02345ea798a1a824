import { matchMaker, type IRoomCache } from '@colyseus/core';
import { ActorRoom } from '../../rooms/actorRoom';

/** Where a creation under way makes its actor: set once placement decided it is this node. */
export interface Placing {
  here: boolean;
}

interface UnderWay {
  readonly listing: Promise<IRoomCache>;
  readonly placing: Placing;
}

/**
 * The creations of actors this node has under way, by actor id: joins of one
 * identity that arrive together share one creation (a live event's attendees
 * arrive together), so a burst creates at most one copy per node, not one per
 * join. A creation this node asked another node for counts as well: the joins
 * behind the first wait for its listing and then ask for their own seats.
 */
class ActorCreations {
  private readonly underWay = new Map<string, UnderWay>();

  /** The listing of the creation under way for that actor, if there is one. */
  underWayFor(actorId: string): Promise<IRoomCache> | undefined {
    return this.underWay.get(actorId)?.listing;
  }

  /**
   * A join's creation, placed as it goes: later joins of that actor wait for its listing.
   * `placing.here` turns true once it creates the actor on this node.
   */
  share(actorId: string, listing: Promise<IRoomCache>, placing: Placing): void {
    const entry = { listing, placing };
    this.underWay.set(actorId, entry);
    const done = () => {
      if (this.underWay.get(actorId) === entry) this.underWay.delete(actorId);
    };
    // Also marks a failed creation as handled: the join that started it reports the failure.
    listing.then(done, done);
  }

  /**
   * The actor created on this node at another node's request, sharing a creation
   * of it under way here. Never one this node asked another node for: two nodes
   * asking each other for the same actor would each wait for the other's answer.
   * Such a copy is made alongside; the listing keeps one of the two.
   */
  createHere(actorId: string, create: () => Promise<IRoomCache>): Promise<IRoomCache> {
    const serving = servingHere(actorId);
    if (serving) return Promise.resolve(serving);
    const underWay = this.underWay.get(actorId);
    if (underWay?.placing.here) return underWay.listing;
    const listing = create();
    if (!underWay) this.share(actorId, listing, { here: true });
    return listing;
  }
}

/**
 * The listing of this node's own serving actor of that id, if it holds one. A join
 * finds no listing of it when Redis lost the listings (a FLUSHDB, an eviction) and
 * the node has not put them back yet: it takes a seat there, never in a second copy
 * created beside it, which Colyseus would hold under the same id while the first
 * kept serving its own connections.
 */
export function servingHere(actorId: string): IRoomCache | undefined {
  const room = matchMaker.getLocalRoomById(actorId);
  return room instanceof ActorRoom && room.serving ? room.listing : undefined;
}

/** This node's creations under way (one per process, as Colyseus's matchmaker is). */
export const actorCreations = new ActorCreations();
