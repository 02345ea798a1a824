import { LocalDriver, type IRoomCache, type SortOptions } from '@colyseus/core';
import { RedisDriver } from '@colyseus/redis-driver';
import type { Redis } from 'ioredis';
import { actorRoomIdFromConditions } from '../../contracts/actors';

const ROOMCACHES_KEY = 'roomcaches'; // the hash RedisDriver keeps listings in

/** Applies the non-identity conditions of a matchmaking query (locked, private) to one listing. */
function matches(listing: IRoomCache | undefined, conditions: Partial<IRoomCache>): IRoomCache | undefined {
  if (!listing) return undefined;
  if (conditions.locked !== undefined && Boolean(listing.locked) !== conditions.locked) return undefined;
  if (conditions.private !== undefined && Boolean(listing.private) !== conditions.private) return undefined;
  return listing;
}

/**
 * The cluster's room listing, with two things the stock driver lacks:
 * - `insert` is atomic (HSETNX), so when two nodes create the same actor id at once,
 *   Colyseus keeps the first and discards the other: one actor per identity.
 * - an actor is found by its id in one HGET instead of reading the whole listing.
 */
export class ActorRedisDriver extends RedisDriver {
  constructor(private readonly redis: Redis) {
    super(redis);
  }

  async insert(room: IRoomCache): Promise<boolean> {
    if (!room.roomId) return false;
    return (await this.redis.hsetnx(ROOMCACHES_KEY, room.roomId, JSON.stringify(room))) === 1;
  }

  override findOne(conditions: Partial<IRoomCache>, sortOptions?: SortOptions): Promise<IRoomCache> {
    const roomId = actorRoomIdFromConditions(conditions as Record<string, unknown>);
    if (roomId === undefined || conditions.roomId !== undefined) return super.findOne(conditions, sortOptions);
    return super.findOne({ roomId }).then((listing) => matches(listing, conditions) as IRoomCache);
  }
}

/** The single-node listing, with the same lookup by actor id. */
export class ActorLocalDriver extends LocalDriver {
  override findOne(conditions: Partial<IRoomCache>, sortOptions?: SortOptions): Promise<IRoomCache> {
    const roomId = actorRoomIdFromConditions(conditions as Record<string, unknown>);
    if (roomId === undefined) return super.findOne(conditions, sortOptions);
    return Promise.resolve(matches(this.rooms.find((room) => room.roomId === roomId), conditions) as IRoomCache);
  }
}
