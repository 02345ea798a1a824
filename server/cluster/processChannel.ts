import type { Redis } from 'ioredis';
import { leaseKey } from './actorDrivers';

/** The channel a node's Colyseus listens on for calls to that node (`p:<processId>`); Redis drops it with the node's connection. */
export function processChannel(processId: string): string {
  return `p:${processId}`;
}

/**
 * How many connections listen on a node's process channel: one question about one
 * channel (`PUBSUB NUMSUB`). `PUBSUB CHANNELS` with a pattern walks every channel
 * Redis holds instead, and a cluster holds two or more for each connected user.
 */
export async function processChannelListeners(redis: Redis, processId: string): Promise<number> {
  const [listeners] = await processChannelsListeners(redis, [processId]);
  return listeners ?? 0;
}

/** The listeners on each node's process channel, in the order given: one `PUBSUB NUMSUB` for all of them. */
export async function processChannelsListeners(redis: Redis, processIds: readonly string[]): Promise<number[]> {
  if (processIds.length === 0) return [];
  // The answer pairs each channel with its count: [channel, count, channel, count, ...].
  const reply = (await redis.pubsub('NUMSUB', ...processIds.map(processChannel))) as unknown[];
  return processIds.map((_, i) => Number(reply[2 * i + 1]));
}

/**
 * Whether each node is alive, in the order given: someone listens on its process
 * channel and its lease runs. A node cut off by a partition that resets no
 * connection keeps its channel in Redis for as long as Redis keeps the connection
 * (minutes), but it fenced itself and let its lease lapse: it is dead to the others.
 */
export async function nodesAlive(redis: Redis, processIds: readonly string[]): Promise<boolean[]> {
  const [listeners, leases] = await Promise.all([processChannelsListeners(redis, processIds), Promise.all(processIds.map((id) => redis.exists(leaseKey(id))))]);
  return processIds.map((_, i) => listeners[i]! > 0 && leases[i] === 1);
}
