import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { BatchedRedisPresence } from '../../server/cluster/batchedPresence';
import { ClusterLease } from '../../server/cluster/clusterLease';
import { LeaseRenewals } from '../../server/cluster/leaseRenewals';
import { createLogger } from '../../server/logger';
import { NodeMetrics } from '../../server/metrics';
import { waitUntil } from '../support/accounts';
import { servicesOrSkip } from '../support/services';

const REJOINING = 'this node (rejoining the cluster)';

/** A rejoin that waits until the test lets it finish, counting its calls. */
class HeldRejoins {
  calls = 0;
  private release: (() => void) | undefined;

  readonly rejoin = (): Promise<void> => {
    this.calls++;
    return new Promise((resolve) => (this.release = resolve));
  };

  finish(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }
}

describe('the cluster lease on real Redis: creation after connection trouble', function () {
  let presence: BatchedRedisPresence | undefined;
  let leaseClient: Redis | undefined;
  let lease: ClusterLease | undefined;
  const rejoins = new HeldRejoins();

  before(async function () {
    const services = servicesOrSkip(this, { redis: true });
    if (!services) return;
    presence = new BatchedRedisPresence(new Redis(services.redisUrl));
    leaseClient = new Redis(services.redisUrl);
    const processId = `kismet-test-${randomUUID()}`;
    lease = new ClusterLease({
      presence,
      leaseClient,
      renewals: new LeaseRenewals({ redisUrl: services.redisUrl, timeoutMs: 2_000, logger: createLogger('silent'), now: Date.now }),
      processId: () => processId,
      // A heartbeat every 500 ms; a creation hold of 7.5 s after a rejoin; fenced only after
      // 6¼ s without a heartbeat back, far beyond any pause of this process.
      staleNodeTimeoutMs: 5_000,
      logger: createLogger('silent'),
      metrics: new NodeMetrics({}),
      now: Date.now,
      fence: async () => {},
      rejoin: rejoins.rejoin,
    });
    await lease.start();
  });

  after(async () => {
    lease?.stop();
    rejoins.finish();
    presence?.shutdown();
    await leaseClient?.quit();
  });

  it('refuses to create actors from the moment a connection dropped until its own listings are reasserted, and again after trouble during the rejoin', async () => {
    const l = lease!;
    assert.equal(l.inCluster, true);
    assert.equal(l.creationRefusal(), undefined);

    l.noteTrouble();
    // Redis may have restarted empty: an actor of another node, not yet listed again,
    // would be created here a second time.
    assert.equal(l.inCluster, false);
    assert.equal(l.creationRefusal(), REJOINING);

    // A heartbeat sent after the trouble comes back: the node reasserts its listings.
    await waitUntil(() => rejoins.calls === 1, 10_000, () => 'the first rejoin');
    // The connection drops again while that rejoin runs: what it reasserts may be lost too.
    l.noteTrouble();
    rejoins.finish();
    await waitUntil(() => rejoins.calls === 2, 10_000, () => 'a second rejoin after the trouble during the first');
    assert.equal(l.inCluster, false);
    assert.equal(l.creationRefusal(), REJOINING);

    rejoins.finish();
    await waitUntil(() => l.inCluster, 10_000, () => 'the node back in the cluster');
    assert.equal(rejoins.calls, 2);
    // Every other node has fenced or reasserted its listings within a lease lifetime: creation waits for that too.
    assert.equal(l.creationRefusal(), REJOINING);
    await waitUntil(() => l.creationRefusal() === undefined, 20_000, () => 'the creation hold to end');
  });
});
