import { LocalDriver, type IRoomCache, type SortOptions } from '@colyseus/core';
import { RedisDriver } from '@colyseus/redis-driver';
import type { Redis } from 'ioredis';
import { actorRoomIdFromConditions } from '../../contracts/actors';
import { DROP_EMPTY_INDEX, INDEX_MARK, INSERT_OWN, listedKey, REMOVE_DEAD_NODES, REMOVE_OWN, WRITE_OWN } from './listingScripts';

const ROOMCACHES_KEY = 'roomcaches'; // the hash RedisDriver keeps listings in
/** Listings removed at once by a sweep of a dead node. */
const CLEANUP_BATCH = 500;

/**
 * The key a live node keeps alive while it may serve its actors (see ClusterLease).
 * A sweep never removes the listings of a node whose lease still runs.
 */
export function leaseKey(processId: string): string {
  return `kismet:lease:${processId}`;
}

type Script = (keyCount: number, ...keysThenArgs: string[]) => Promise<number>;

export interface ActorDriverHooks {
  /** This node's Colyseus process id. */
  readonly processId: () => string;
  /** True when this node holds a live actor of that id. */
  readonly holdsLocally: (roomId: string) => boolean;
  /** Why this node may not create an actor now (ClusterLease.creationRefusal), if it may not. */
  readonly creationRefusal: () => string | undefined;
  /** A listing write that could not reach Redis (logged and counted; retried where it matters). */
  readonly onError: (operation: string, roomId: string | undefined, error: unknown) => void;
  /** A sweep left a silent node's listings alone: its lease still runs. */
  readonly onLeaseAlive: (processId: string) => void;
}

/**
 * The cluster's room listing, with what the stock driver lacks:
 * - `insert` is atomic (HSETNX), so when two nodes create the same actor id at once,
 *   Colyseus keeps the first and discards the other: one actor per identity; and it
 *   lists nothing while its node may not create, nor without its node's lease: when
 *   Redis lost its data (a FLUSHDB, an eviction), a creation that began before the
 *   node noticed is discarded, not listed before the node that holds the actor has
 *   put its listing back;
 * - an actor is found by its id in one HGET instead of reading the whole listing;
 * - every other write is conditional on the listing naming this node, and a sweep
 *   spares a node whose lease runs, so nothing a node does late (after it was cut
 *   off) can remove or overwrite another node's actor;
 * - a sweep of a dead node reads its actors from its index, not the whole listing
 *   (`listingScripts.ts`);
 * - writes never reject: Colyseus fires some and forgets them, and awaits others
 *   before an actor's own cleanup. A removal that could not reach Redis is kept
 *   and done when it is back (`retryRemovals`).
 */
export class ActorRedisDriver extends RedisDriver {
  private readonly insertOwn: Script;
  private readonly removeOwn: Script;
  private readonly writeOwn: Script;
  private readonly removeDeadNodes: Script;
  private readonly dropEmptyIndex: Script;
  /** Listings of this node's gone actors that Redis has not yet dropped. */
  private readonly pendingRemovals = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly hooks: ActorDriverHooks,
  ) {
    super(redis);
    const define = (name: string, lua: string): Script => {
      redis.defineCommand(name, { lua });
      return (redis as unknown as Record<string, Script>)[name]!.bind(redis);
    };
    this.insertOwn = define('kismetInsertOwnListing', INSERT_OWN);
    this.removeOwn = define('kismetRemoveOwnListing', REMOVE_OWN);
    this.writeOwn = define('kismetWriteOwnListing', WRITE_OWN);
    this.removeDeadNodes = define('kismetRemoveDeadNodeListings', REMOVE_DEAD_NODES);
    this.dropEmptyIndex = define('kismetDropEmptyListingIndex', DROP_EMPTY_INDEX);
  }

  async insert(room: IRoomCache): Promise<boolean> {
    if (!room.roomId || this.hooks.creationRefusal() !== undefined) return false;
    try {
      return (await this.insertOwn(3, ROOMCACHES_KEY, this.ownIndex(), leaseKey(this.hooks.processId()), room.roomId, JSON.stringify(room))) === 1;
    } catch (error) {
      // Colyseus discards the new actor; if the write landed all the same, its listing goes later.
      this.hooks.onError('insert', room.roomId, error);
      this.pendingRemovals.add(room.roomId);
      return false;
    }
  }

  override findOne(conditions: Partial<IRoomCache>, sortOptions?: SortOptions): Promise<IRoomCache> {
    const roomId = actorRoomIdFromConditions(conditions as Record<string, unknown>);
    if (roomId === undefined || conditions.roomId !== undefined) return super.findOne(conditions, sortOptions);
    return super.findOne({ roomId }).then((listing) => matches(listing, conditions) as IRoomCache);
  }

  override async update(room: IRoomCache, operations: Partial<{ $set: Partial<IRoomCache>; $inc: Partial<IRoomCache> }>): Promise<boolean> {
    const seatCountOnly = isSeatCountOnly(room, operations);
    for (const [field, value] of Object.entries(operations.$set ?? {})) (room as unknown as Record<string, unknown>)[field] = value;
    const fields = room as unknown as Record<string, number>;
    for (const [field, value] of Object.entries(operations.$inc ?? {})) fields[field] = (fields[field] ?? 0) + (value as number);
    if (seatCountOnly) return true;
    return (await this.write('update', room, false)) === 'written';
  }

  override async persist(room: IRoomCache, create = false): Promise<boolean> {
    return (await this.write('persist', room, create)) === 'written';
  }

  /**
   * Writes this node's listing of one of its actors, creating it if absent: what a
   * node does for each of its actors once Redis is back (it may have lost its data).
   * `taken` when another node lists that actor now: this one must go.
   */
  async reassert(room: IRoomCache): Promise<'kept' | 'taken' | 'failed'> {
    const outcome = await this.write('reassert', room, true);
    return outcome === 'written' ? 'kept' : outcome === 'not ours' ? 'taken' : 'failed';
  }

  override async remove(roomId: string): Promise<boolean> {
    this.pendingRemovals.delete(roomId);
    try {
      return (await this.removeOwn(2, ROOMCACHES_KEY, this.ownIndex(), roomId, this.hooks.processId())) === 1;
    } catch (error) {
      this.hooks.onError('remove', roomId, error);
      this.pendingRemovals.add(roomId);
      return false;
    }
  }

  /** Drops the listings of this node's gone actors that could not be dropped while Redis was away. */
  async retryRemovals(): Promise<void> {
    for (const roomId of [...this.pendingRemovals]) {
      this.pendingRemovals.delete(roomId);
      if (!this.hooks.holdsLocally(roomId)) await this.remove(roomId);
    }
  }

  /**
   * A sweep's removal of a silent node's listings (Colyseus calls it once the node
   * failed to answer): the actors its index names, a batch at a time, each checked
   * against its listing, and then the index. Only a node that never kept an index
   * (an older version of Kismet) is looked for in the whole cluster's listing.
   */
  override async cleanup(processId: string): Promise<void> {
    const index = listedKey(processId);
    if ((await this.redis.exists(index)) === 0) return this.cleanupUnindexed(processId);
    for (;;) {
      // Each batch leaves the index, whatever its listings were: the loop ends.
      const roomIds = (await this.redis.srandmember(index, CLEANUP_BATCH)).filter((id) => id !== INDEX_MARK);
      if (!(await this.removeListingsOfDead(processId, roomIds)) || roomIds.length === 0) return;
    }
  }

  /** Drops this node's index once its actors are gone (a node that stops); one that still names some is a dead node's to sweep. */
  async dropOwnIndex(): Promise<void> {
    await this.dropEmptyIndex(1, this.ownIndex());
  }

  /** Colyseus's last call to the listing as a node stops, once its actors are disposed: the index goes with them. */
  override async shutdown(): Promise<void> {
    await this.dropOwnIndex().catch((error: unknown) => this.hooks.onError('drop index', undefined, error));
    await super.shutdown();
  }

  private async cleanupUnindexed(processId: string): Promise<void> {
    const roomIds = (await this.query({ processId })).map((listing) => listing.roomId).filter((id): id is string => typeof id === 'string');
    for (let i = 0; i < roomIds.length; i += CLEANUP_BATCH) {
      if (!(await this.removeListingsOfDead(processId, roomIds.slice(i, i + CLEANUP_BATCH)))) return;
    }
  }

  /** Removes a batch of a dead node's listings (none: its index goes); false, and the node spared, while its lease runs. */
  private async removeListingsOfDead(processId: string, roomIds: readonly string[]): Promise<boolean> {
    if ((await this.removeDeadNodes(3, ROOMCACHES_KEY, leaseKey(processId), listedKey(processId), processId, ...roomIds)) !== -1) return true;
    this.hooks.onLeaseAlive(processId);
    return false;
  }

  private ownIndex(): string {
    return listedKey(this.hooks.processId());
  }

  private async write(operation: string, room: IRoomCache, create: boolean): Promise<'written' | 'absent' | 'not ours' | 'failed'> {
    if (!room.roomId) return 'absent';
    try {
      const outcome = await this.writeOwn(2, ROOMCACHES_KEY, this.ownIndex(), room.roomId, this.hooks.processId(), JSON.stringify(room), create ? '1' : '0');
      return outcome === 1 ? 'written' : outcome === 0 ? 'absent' : 'not ours';
    } catch (error) {
      this.hooks.onError(operation, room.roomId, error);
      return 'failed';
    }
  }
}

/**
 * Colyseus updates a listing at every seat it reserves, every leave and every
 * seat that lapses: the connection count, with `locked` as it was. Kismet finds
 * an actor by its id and never reads that count, so such an update stays in the
 * node's copy: a join waits for no Redis script before its seat, and a leave
 * runs none. A change of `locked` (an actor starting to go) is written as before.
 */
function isSeatCountOnly(room: IRoomCache, operations: Partial<{ $set: Partial<IRoomCache>; $inc: Partial<IRoomCache> }>): boolean {
  const set = operations.$set ?? {};
  const inc = operations.$inc ?? {};
  return (
    Object.keys(inc).every((field) => field === 'clients') &&
    Object.keys(set).every((field) => field === 'locked') &&
    (set.locked === undefined || set.locked === room.locked)
  );
}

/** Applies the non-identity conditions of a matchmaking query (locked, private) to one listing. */
function matches(listing: IRoomCache | undefined, conditions: Partial<IRoomCache>): IRoomCache | undefined {
  if (!listing) return undefined;
  if (conditions.locked !== undefined && Boolean(listing.locked) !== conditions.locked) return undefined;
  if (conditions.private !== undefined && Boolean(listing.private) !== conditions.private) return undefined;
  return listing;
}

/**
 * The single-node listing, with the same lookup by actor id, kept in a map: the
 * stock driver finds a listing by a pass over every listing, once per join.
 */
export class ActorLocalDriver extends LocalDriver {
  private readonly byId = new Map<string, IRoomCache>();

  override async insert(room: IRoomCache): Promise<boolean> {
    const inserted = await super.insert(room);
    if (inserted && room.roomId) this.byId.set(room.roomId, room);
    return inserted;
  }

  override persist(room: IRoomCache, create = false): boolean {
    const persisted = super.persist(room, create);
    if (persisted && room.roomId) this.byId.set(room.roomId, room);
    return persisted;
  }

  override remove(roomId: string): boolean {
    this.byId.delete(roomId);
    return super.remove(roomId);
  }

  override clear(): void {
    super.clear();
    this.byId.clear();
  }

  override findOne(conditions: Partial<IRoomCache>, sortOptions?: SortOptions): Promise<IRoomCache> {
    const roomId = actorRoomIdFromConditions(conditions as Record<string, unknown>);
    if (roomId === undefined) return super.findOne(conditions, sortOptions);
    return Promise.resolve(matches(this.byId.get(roomId), conditions) as IRoomCache);
  }
}
