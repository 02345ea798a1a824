import type { Pool } from 'pg';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { NO_SHEDDING, UNLIMITED_RATES } from './limits';
import { matchPeople, registerPerson, type Person } from './matches';
import { privateServicesOrSkip, startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from './privateServices';
import { TcpProxy } from './tcpProxy';
import { testPool } from './services';

/** The operator key fault tests use to read each node's own view of its actors. */
export const FAULT_ADMIN_KEY = 'fault-test-operator-key-0123456789abcdef';

/** Two nodes on a private Postgres and a private Redis (node 0 through a proxy the test controls), and the people of the traffic. */
export interface FaultCluster {
  readonly redis: PrivateRedis;
  readonly postgres: PrivatePostgres;
  /** Between node 0 and Redis. */
  readonly proxy: TcpProxy;
  readonly nodes: readonly [NodeHandle, NodeHandle];
  /** Each node's Colyseus process id, as its actors report it. */
  readonly nodeIds: readonly [string, string];
  /** The test's own connection to the private Postgres (it survives the faults: errors are expected). */
  readonly pool: Pool;
  readonly chatPairs: ReadonlyArray<{ readonly a: Person; readonly b: Person; readonly matchId: string }>;
  /** People who like each other pairwise (0-1, 2-3, ...) during the fault, and pass on `targets`. */
  readonly swipers: readonly Person[];
  readonly targets: readonly Person[];
  close(): Promise<void>;
}

export async function startFaultCluster(
  context: Mocha.Context,
  options: { readonly env?: Readonly<Record<string, string>>; readonly chatPairs?: number; readonly swipers?: number } = {},
): Promise<FaultCluster | undefined> {
  const binaries = privateServicesOrSkip(context);
  if (!binaries) return undefined;
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    const redis = await startPrivateRedis(binaries.redisServer);
    opened.push({ close: () => redis.destroy() });
    const postgres = await startPrivatePostgres(binaries.pgBin);
    opened.push({ close: () => postgres.destroy() });
    const proxy = await TcpProxy.start(redis.port);
    opened.push({ close: () => proxy.close() });
    const pool = testPool(postgres.url); // its idle connections die with each Postgres restart: expected here
    opened.push({ close: () => pool.end() });

    const env = { DATABASE_URL: postgres.url, ADMIN_API_KEY: FAULT_ADMIN_KEY, ...UNLIMITED_RATES, ...NO_SHEDDING, ...options.env };
    const nodes: NodeHandle[] = [];
    opened.push({ close: async () => void (await Promise.all(nodes.map((n) => n.stop()))) });
    nodes.push(await startNodeProcess({ ...env, REDIS_URL: `redis://127.0.0.1:${proxy.port}` }));
    nodes.push(await startNodeProcess({ ...env, REDIS_URL: redis.url }));
    const [n0, n1] = nodes as [NodeHandle, NodeHandle];

    const chatPairs = await Promise.all(
      Array.from({ length: options.chatPairs ?? 2 }, async (_, p) => {
        const [a, b] = await Promise.all([registerPerson(n0.url, `chat-a${p}`), registerPerson(n1.url, `chat-b${p}`)]);
        return { a, b, matchId: await matchPeople(a, b, [n0.url, n1.url]) };
      }),
    );
    const swipers = await Promise.all(Array.from({ length: options.swipers ?? 4 }, (_, i) => registerPerson(nodes[i % 2]!.url, `swiper-${i}`)));
    const targets = await Promise.all(Array.from({ length: 4 }, (_, i) => registerPerson(n1.url, `target-${i}`)));
    const nodeIds = (await Promise.all(nodes.map(async (n) => ((await (await fetch(`${n.url}/admin/node`, { headers: { authorization: `Bearer ${FAULT_ADMIN_KEY}` } })).json()) as { nodeId: string }).nodeId))) as [string, string];

    return {
      redis,
      postgres,
      proxy,
      nodes: [n0, n1],
      nodeIds,
      pool,
      chatPairs,
      swipers,
      targets,
      close: () => closeAll(opened),
    };
  } catch (error) {
    await closeAll(opened);
    throw error;
  }
}

/** Closes in reverse order of opening; every one is attempted. */
async function closeAll(opened: ReadonlyArray<{ close(): Promise<void> }>): Promise<void> {
  const failures: unknown[] = [];
  for (const item of [...opened].reverse()) {
    await item.close().catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) throw new AggregateError(failures, 'the fault cluster did not close cleanly');
}
