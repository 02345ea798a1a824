import assert from 'node:assert/strict';
import { assertNothingLost, assertReadiness } from '../support/faultChecks';
import { useFaultScenarios } from '../support/faultScenario';
import type { PrivatePostgres } from '../support/privateServices';

/** How long the scenarios keep Postgres stopped, or stalled. */
const POSTGRES_STOP_MS = 20_000;

describe('faults: Postgres restarts, stops and stalls under chat and swipe traffic on two nodes', function () {
  this.timeout(300_000);
  const scenarios = useFaultScenarios();

  it('restarted with -m fast: no node exits, sockets stay open, readyz goes 503 and back, nothing acknowledged is lost or doubled', async function () {
    if (!(await scenarios.start(this))) return;
    const { cluster } = scenarios;
    const { traffic, runs, cutAt, backAt } = await scenarios.underTraffic(async (t) => {
      t.startLiking();
      const cutAt = Date.now();
      await cluster.postgres.restartFast();
      return { cutAt, backAt: Date.now() };
    });
    assertReadiness(scenarios.readiness, cluster.nodes.map((n) => n.url), cutAt, backAt);
    // The actors kept their state through the blink: every participant kept its first connection.
    for (const run of [...runs.chats, ...runs.swipes]) assert.equal(run.connections, 1);
    assert.deepEqual(scenarios.overlaps.overlaps(), []);
    await assertNothingLost(cluster, traffic.record, runs);
  });

  /**
   * Postgres away for POSTGRES_STOP_MS (`cut`, then `restore`) while likes start:
   * sends and swipes refused UNAVAILABLE meanwhile, no node restarted, every actor
   * kept on its connections and once in the cluster, nothing acknowledged lost.
   */
  async function refusedMeanwhile(context: Mocha.Context, cut: (postgres: PrivatePostgres) => Promise<void>, restore: (postgres: PrivatePostgres) => Promise<void>) {
    if (!(await scenarios.start(context))) return;
    const { cluster } = scenarios;
    const { traffic, runs, cutAt, backAt } = await scenarios.underTraffic(async (t) => {
      const cutAt = Date.now();
      await cut(cluster.postgres);
      t.startLiking();
      await new Promise((resolve) => setTimeout(resolve, POSTGRES_STOP_MS)); // the scenario's outage, not an assertion
      await restore(cluster.postgres);
      return { cutAt, backAt: Date.now() };
    });
    assertReadiness(scenarios.readiness, cluster.nodes.map((n) => n.url), cutAt, backAt);
    for (const type of ['send', 'swipe']) {
      assert.ok(traffic.record.answers.some((a) => a.code === 'UNAVAILABLE' && a.type === type), `no ${type} refused during the outage`);
    }
    for (const run of [...runs.chats, ...runs.swipes]) assert.equal(run.connections, 1);
    assert.deepEqual(scenarios.overlaps.overlaps(), []);
    await assertNothingLost(cluster, traffic.record, runs);
  }

  it(`stopped for ${POSTGRES_STOP_MS / 1000} s: refused with UNAVAILABLE meanwhile, sockets stay open, served again after with no restart`, function () {
    return refusedMeanwhile(this, (postgres) => postgres.stop(), (postgres) => postgres.start());
  });

  it(`stalled for ${POSTGRES_STOP_MS / 1000} s with its connections open (SIGSTOP): refused with UNAVAILABLE meanwhile, sockets stay open, served again after with no restart`, function () {
    return refusedMeanwhile(this, async (postgres) => postgres.stall(), async (postgres) => postgres.resume());
  });
});
