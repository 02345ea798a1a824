import type { Redis } from 'ioredis';

/** The node process each actor in the cluster's shared listing names. */
export async function listedOwners(redis: Redis): Promise<string[]> {
  return Object.values(await redis.hgetall('roomcaches')).map((raw) => (JSON.parse(raw) as { processId: string }).processId);
}

/** How many times Redis has run each command since its counts were last reset (`INFO commandstats`: `hgetall`, `pubsub|numsub`, ...); 0 for one never run. */
export async function commandCalls(redis: Redis): Promise<(command: string) => number> {
  const counts = new Map<string, number>();
  for (const [, command, calls] of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) counts.set(command!, Number(calls));
  return (command) => counts.get(command) ?? 0;
}
