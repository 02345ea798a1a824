import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { onCleanup } from './cleanup';
import { cpuLedger } from './cpuLedger';
import { nodeLog } from './nodeLog';
import { startNodeProcess, type NodeHandle } from './nodeProcess';
import { createScratchDatabase, scratchRedis } from './scratchServices';
import { postgresServerPid, redisServerPid } from './servicePids';

/** The Redis logical database benchmarks use; emptied before and after a run. */
export const BENCH_REDIS_DB = Number(process.env['KISMET_BENCH_REDIS_DB'] ?? 14);

export interface BenchCluster {
  readonly nodes: readonly NodeHandle[];
  readonly seedTarget: { databaseUrl?: string; nodeUrl: string; jwtSecret: string; tokenTtlS: number };
  readonly description: string;
  /** Starts `count` more nodes on the same Postgres and Redis (they join the cluster) and returns them. */
  grow(count: number): Promise<NodeHandle[]>;
}

/**
 * Starts what a scenario measures: N nodes on scratch copies of the Postgres and
 * Redis given by DATABASE_URL and REDIS_URL, or one embedded node without them.
 */
export async function startBenchCluster(nodeCount: number, extraEnv: Record<string, string> = {}): Promise<BenchCluster> {
  const jwtSecret = randomBytes(32).toString('hex');
  const tokenTtlS = 6 * 60 * 60;
  const baseEnv: Record<string, string> = { JWT_SECRET: jwtSecret, LOG_LEVEL: 'warn', ACCESS_TOKEN_TTL_S: String(tokenTtlS), ...extraEnv };
  const databaseUrl = process.env['DATABASE_URL'];
  const redisUrl = process.env['REDIS_URL'];
  let env: Record<string, string>;
  let scratchUrl: string | undefined;
  if (databaseUrl && redisUrl) {
    const database = await createScratchDatabase(databaseUrl);
    onCleanup(`scratch database`, () => database.drop());
    const redis = await scratchRedis(redisUrl, BENCH_REDIS_DB);
    onCleanup('scratch redis', () => redis.close());
    scratchUrl = database.url;
    // Postgres and Redis on this machine take their share of its CPU: the report counts them too
    // (one that cannot be told apart, remote or not allowed to say, is left out of it).
    cpuLedger.track('postgres', await postgresServerPid(database.url).catch(() => undefined));
    cpuLedger.track('redis', await redisServerPid(redis.redis).catch(() => undefined));
    env = { ...baseEnv, DATABASE_URL: database.url, REDIS_URL: redis.url };
  } else {
    if (nodeCount > 1) throw new Error('more than one node needs DATABASE_URL and REDIS_URL');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-bench-'));
    onCleanup('embedded data', async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    env = { ...baseEnv, KISMET_DATA_DIR: dataDir };
  }
  const nodes: NodeHandle[] = [];
  const grow = async (count: number) => {
    const started: NodeHandle[] = [];
    for (let i = 0; i < count; i++) {
      const node = await startNodeProcess(env); // advertises 127.0.0.1:<its port>, the configuration's default
      onCleanup(`node ${node.port}`, async () => {
        const stopped = node.stop();
        const timer = setTimeout(() => void node.kill(), 10_000);
        await stopped;
        clearTimeout(timer);
      });
      cpuLedger.track('node', node.child.pid);
      nodeLog.track(node);
      process.stdout.write(`harness: node pid=${node.child.pid} port=${node.port}\n`);
      nodes.push(node);
      started.push(node);
    }
    return started;
  };
  await grow(nodeCount);
  return {
    nodes,
    grow: (count) => (scratchUrl ? grow(count) : Promise.reject(new Error('more than one node needs DATABASE_URL and REDIS_URL'))),
    seedTarget: { databaseUrl: scratchUrl, nodeUrl: nodes[0]!.url, jwtSecret, tokenTtlS },
    description: scratchUrl ? `${nodeCount} nodes, Postgres + Redis` : '1 node, embedded',
  };
}
