import type { Pool } from 'pg';
import type { Room } from '@colyseus/sdk';
import type { ActorKind } from '../../contracts/actors';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { connectDevice, disconnect, type Device } from './accounts';
import { NO_SHEDDING } from './limits';
import { createScratchDatabase, scratchRedis, servicesOrSkip, testPool } from './services';

/** Node processes sharing one scratch Postgres database and one Redis, and a pool on that database. */
export interface TestCluster {
  /** The running nodes; a test that kills one may replace it here. */
  nodes: NodeHandle[];
  readonly pool: Pool;
  /** What every node of this cluster is started with. */
  readonly env: Readonly<Record<string, string>>;
  /** Stops the nodes and drops the scratch services. */
  close(): Promise<void>;
}

/** Starts `count` nodes (one after the other, so later ones find the schema migrated); undefined when skipped. */
export async function startTestCluster(
  context: Mocha.Context,
  count: number,
  extraEnv: Record<string, string> = {},
): Promise<TestCluster | undefined> {
  const services = servicesOrSkip(context, { postgres: true, redis: true });
  if (!services) return undefined;
  const database = await createScratchDatabase(services.databaseUrl);
  const redis = await scratchRedis(services.redisUrl);
  const pool = testPool(database.url);
  const env = { DATABASE_URL: database.url, REDIS_URL: redis.url, ...NO_SHEDDING, ...extraEnv };
  const cluster: TestCluster = {
    nodes: [],
    pool,
    env,
    async close() {
      await Promise.all(cluster.nodes.map((n) => n.stop()));
      await pool.end();
      await database.drop();
      await redis.close();
    },
  };
  for (let i = 0; i < count; i++) cluster.nodes.push(await startNodeProcess(env));
  return cluster;
}

/** The value of the first line of a node's /metrics that matches `line`; NaN when none does. */
export async function metricValue(node: { readonly url: string }, line: RegExp): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const found = text.split('\n').find((l) => line.test(l));
  return found ? Number(found.split(' ').pop()) : NaN;
}

/**
 * Live actors of one kind on the nodes, summed: their `kismet_rooms` gauges, which every
 * node sets for every kind at its start (so a gauge not found is an error, not a 0).
 */
export async function liveActors(nodes: ReadonlyArray<{ readonly url: string }>, kind: ActorKind): Promise<number> {
  const counts = await Promise.all(nodes.map((node) => metricValue(node, new RegExp(`^kismet_rooms\\{[^}]*kind="${kind}"[,}]`))));
  if (counts.some(Number.isNaN)) throw new Error(`a node without a kismet_rooms gauge for ${kind}`);
  return counts.reduce((a, b) => a + b, 0);
}

/** A suite's cluster, and the connections its tests opened, left before the cluster stops. */
export interface SuiteCluster {
  readonly cluster: TestCluster;
  /** The first two nodes. */
  readonly nodes: readonly [NodeHandle, NodeHandle];
  readonly open: Array<{ readonly room: Room }>;
  /** A device of `user` joined to their session through the node at `url`, left when the suite ends. */
  device(url: string, user: { readonly userId: string; readonly accessToken: string }, deviceId?: string): Promise<Device>;
}

/**
 * Registers the suite's hooks: `count` nodes started before its tests (or the
 * suite skipped without the services), its open connections left and the
 * cluster stopped after them.
 */
export function useTestCluster(count: number, extraEnv: Record<string, string> = {}): SuiteCluster {
  let cluster: TestCluster | undefined;
  const open: SuiteCluster['open'] = [];
  before(async function () {
    cluster = await startTestCluster(this, count, extraEnv);
  });
  after(async () => {
    await Promise.all(open.map(disconnect));
    await cluster?.close();
  });
  return {
    get cluster() {
      if (!cluster) throw new Error('the suite’s cluster is not running');
      return cluster;
    },
    get nodes() {
      return this.cluster.nodes as unknown as readonly [NodeHandle, NodeHandle];
    },
    open,
    device: async (url, user, deviceId = 'phone') => {
      const joined = await connectDevice(url, user, deviceId);
      open.push(joined);
      return joined;
    },
  };
}
