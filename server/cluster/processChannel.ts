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
  const reply = (await redis.pubsub('NUMSUB', processChannel(processId))) as unknown[];
  return Number(reply[1]);
}
