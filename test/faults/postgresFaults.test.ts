import assert from 'node:assert/strict';
import { assertNothingLost, assertReadiness } from '../support/faultChecks';
import { useFaultScenarios } from '../support/faultScenario';

/** How long the scenario keeps Postgres stopped. */
const POSTGRES_STOP_MS = 20_000;

describe('faults: Postgres restarts and stops under chat and swipe traffic on two nodes', function () {
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

  it(`stopped for ${POSTGRES_STOP_MS / 1000} s: refused with UNAVAILABLE meanwhile, sockets stay open, served again after with no restart`, async function () {
    if (!(await scenarios.start(this))) return;
    const { cluster } = scenarios;
    const { traffic, runs, cutAt, backAt } = await scenarios.underTraffic(async (t) => {
      const cutAt = Date.now();
      await cluster.postgres.stop();
      t.startLiking();
      await new Promise((resolve) => setTimeout(resolve, POSTGRES_STOP_MS)); // the scenario's outage, not an assertion
      await cluster.postgres.start();
      return { cutAt, backAt: Date.now() };
    });
    assertReadiness(scenarios.readiness, cluster.nodes.map((n) => n.url), cutAt, backAt);
    for (const type of ['send', 'swipe']) {
      assert.ok(traffic.record.answers.some((a) => a.code === 'UNAVAILABLE' && a.type === type), `no ${type} refused during the outage`);
    }
    for (const run of [...runs.chats, ...runs.swipes]) assert.equal(run.connections, 1);
    assert.deepEqual(scenarios.overlaps.overlaps(), []);
    await assertNothingLost(cluster, traffic.record, runs);
  });
});
