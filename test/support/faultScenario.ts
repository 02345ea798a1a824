import { waitUntil } from './accounts';
import { ActorOverlapWatch, ReadinessWatch } from './faultChecks';
import { FAULT_ADMIN_KEY, startFaultCluster, type FaultCluster } from './faultCluster';
import { startTraffic, type Traffic } from './faultTraffic';
import type { ChatterRun, SwiperRun } from './faultTraffic';

/** Conditions a scenario waits for; far above what they take, to fail rather than hang. */
export const SCENARIO_WAIT_MS = 60_000;

export interface ScenarioRun {
  readonly traffic: Traffic;
  readonly runs: { chats: ChatterRun[]; swipes: SwiperRun[] };
  readonly cutAt: number;
  readonly backAt: number;
}

export interface FaultScenarios {
  /** The running scenario's cluster (started by `start`). */
  readonly cluster: FaultCluster;
  readonly readiness: ReadinessWatch;
  readonly overlaps: ActorOverlapWatch;
  /** Starts a fault cluster and the watches on it; false when the suite is skipped. */
  start(context: Mocha.Context, options?: Parameters<typeof startFaultCluster>[1]): Promise<boolean>;
  /**
   * Runs traffic, applies `fault` once every participant has been acknowledged,
   * waits until every node is ready again and every participant acknowledged again
   * (nothing restarted), then stops the traffic and hands back what it saw.
   */
  underTraffic(fault: (traffic: Traffic) => Promise<{ cutAt: number; backAt: number }>, nodeOrder?: (participant: number) => readonly number[]): Promise<ScenarioRun>;
}

/** Registers a suite's fault scenarios: each test's cluster and watches are stopped after it (and its nodes' last lines shown if it failed). */
export function useFaultScenarios(): FaultScenarios {
  let cluster: FaultCluster | undefined;
  let readiness: ReadinessWatch | undefined;
  let overlaps: ActorOverlapWatch | undefined;

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && cluster) {
      for (const [i, node] of cluster.nodes.entries()) {
        const state = node.child.exitCode !== null || node.child.signalCode !== null ? `exited (${node.child.exitCode ?? node.child.signalCode})` : 'running';
        process.stdout.write(`--- node ${i}, ${state}, last lines\n${node.output().split('\n').slice(-40).join('\n')}\n`);
      }
    }
    await Promise.all([readiness?.stop(), overlaps?.stop()]);
    [readiness, overlaps] = [undefined, undefined];
    await cluster?.close();
    cluster = undefined;
  });

  return {
    get cluster() {
      if (!cluster) throw new Error('no fault cluster running');
      return cluster;
    },
    get readiness() {
      if (!readiness) throw new Error('no fault cluster running');
      return readiness;
    },
    get overlaps() {
      if (!overlaps) throw new Error('no fault cluster running');
      return overlaps;
    },
    async start(context, options) {
      cluster = await startFaultCluster(context, options);
      if (!cluster) return false;
      const urls = cluster.nodes.map((n) => n.url);
      readiness = new ReadinessWatch(urls);
      overlaps = new ActorOverlapWatch(urls, FAULT_ADMIN_KEY);
      return true;
    },
    async underTraffic(fault, nodeOrder) {
      const traffic = startTraffic(cluster!, nodeOrder);
      await traffic.flowing(3);
      const times = await fault(traffic);
      await waitUntil(
        () => {
          // A node that died will never be ready: say so at once.
          for (const [i, node] of cluster!.nodes.entries()) {
            if (node.child.exitCode !== null || node.child.signalCode !== null) throw new Error(`node ${i} exited (${node.child.exitCode ?? node.child.signalCode})`);
          }
          return readiness!.allNow(true);
        },
        SCENARIO_WAIT_MS,
        () => 'every node to be ready again',
      );
      traffic.mark();
      await traffic.flowing(3);
      traffic.stop();
      return { traffic, runs: await traffic.finished(), ...times };
    },
  };
}
