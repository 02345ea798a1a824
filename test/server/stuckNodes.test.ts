import assert from 'node:assert/strict';
import { leaseLifetimeMs, stuckAfterMs } from '../../server/cluster/leaseTimes';

describe('when a node counts as stuck', () => {
  it('is five STALE_NODE_TIMEOUT_MS without its main thread turning, and never under 10 s', () => {
    assert.equal(stuckAfterMs(2_000), 10_000, 'the default timeout');
    assert.equal(stuckAfterMs(4_000), 20_000);
    // A short timeout (quick failover) does not make a long collection a reason to end a node.
    assert.equal(stuckAfterMs(500), 10_000);
    assert.equal(stuckAfterMs(1_000), 10_000);
  });

  it('comes after the node would fence and after its lease would lapse', () => {
    for (const timeout of [500, 1_000, 2_000, 10_000]) {
      assert.ok(stuckAfterMs(timeout) > leaseLifetimeMs(timeout), `timeout ${timeout}`);
      assert.ok(stuckAfterMs(timeout) > (timeout * 5) / 4, `timeout ${timeout}`);
    }
  });
});
