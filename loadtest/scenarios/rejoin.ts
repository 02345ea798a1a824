import { SESSION_ROOM } from '../../contracts/session';
import { RawRoomClient, reserveSeat } from '../client/rawRoomClient';
import type { BenchCluster } from '../harness/benchCluster';
import { newHistogram, percentiles, recordMs } from '../harness/histogram';
import { nodesRssMb } from '../harness/machine';
import { seedUsers } from '../harness/seed';

export interface RejoinOptions {
  /** Devices cycling at once, one user each. */
  readonly users: number;
  /** Close-and-rejoin cycles per device. */
  readonly cycles: number;
}

/**
 * Devices whose connection closes and who rejoin at once, each time through the
 * next node, as the client library does after a dropped connection: the join
 * races whatever the session actor does about the device that just left. Light
 * on CPU by design (a few devices), so its figures are latencies, not load.
 */
export async function runRejoin(cluster: BenchCluster, options: RejoinOptions): Promise<Record<string, number | string>> {
  const users = await seedUsers(options.users, cluster.seedTarget);
  const seat = newHistogram();
  const join = newHistogram();
  let errors = 0;
  const startedMs = performance.now();
  await Promise.all(
    users.map(async (user, u) => {
      for (let cycle = 0; cycle < options.cycles; cycle++) {
        const node = cluster.nodes[(u + cycle) % cluster.nodes.length]!;
        const askedMs = performance.now();
        try {
          const reservation = await reserveSeat(node.url, SESSION_ROOM, { userId: user.userId, deviceId: 'phone' }, user.accessToken);
          const seatedMs = performance.now();
          const client = await RawRoomClient.connect(node.url, reservation);
          const joinedMs = performance.now();
          recordMs(seat, seatedMs - askedMs);
          recordMs(join, joinedMs - askedMs);
          // Not waiting for the close: the next join races it, as a rejoining device does.
          client.close();
        } catch (error) {
          errors++;
          if (errors <= 5) process.stdout.write(`  error: ${error instanceof Error ? error.message : String(error)}\n`);
        }
      }
    }),
  );
  const elapsedS = (performance.now() - startedMs) / 1000;
  return {
    ops_per_s: Math.round(join.totalCount / elapsedS),
    errors,
    rejoins: join.totalCount,
    ...percentiles('seat', seat),
    ...percentiles('join', join),
    join_max_ms: Math.round(join.maxValue / 1000),
    server_rss_mb: Math.round(nodesRssMb(cluster.nodes)),
  };
}
