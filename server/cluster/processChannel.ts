import type { Redis } from 'ioredis';

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
