import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { leaseKey } from '../../server/cluster/actorDrivers';
import { BatchedRedisPresence } from '../../server/cluster/batchedPresence';
import { ClusterLease, type ClusterLeaseDeps, type LeaseRenewer } from '../../server/cluster/clusterLease';
import { LeaseRenewals, type LeaseRenewalPlan } from '../../server/cluster/leaseRenewals';
import { createLogger } from '../../server/logger';
import { NodeMetrics } from '../../server/metrics';
import { waitUntil } from '../support/accounts';
import { servicesOrSkip } from '../support/services';
import { TcpProxy } from '../support/tcpProxy';

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

/**
 * A lease on real Redis, on connections of its own, for a new process id; `deps` replace
 * the defaults: a STALE_NODE_TIMEOUT_MS of 5 s (a heartbeat every 500 ms, a creation hold
 * and a lease of 7.5 s, fenced only after 6¼ s without a heartbeat back, far beyond any
 * pause of this process), a fence and a rejoin that do nothing.
 */
function leaseOn(redisUrl: string, deps: Partial<ClusterLeaseDeps> = {}) {
  const presence = new BatchedRedisPresence(new Redis(redisUrl));
  const leaseClient = new Redis(redisUrl);
  const processId = `kismet-test-${randomUUID()}`;
  const lease = new ClusterLease({
    presence,
    leaseClient,
    renewals: new LeaseRenewals({ redisUrl, timeoutMs: 2_000, logger: createLogger('silent'), now: Date.now }),
    processId: () => processId,
    staleNodeTimeoutMs: 5_000,
    logger: createLogger('silent'),
    metrics: new NodeMetrics({}),
    now: Date.now,
    fence: async () => {},
    rejoin: async () => {},
    onLost: () => {},
    ...deps,
  });
  const close = async () => {
    lease.stop();
    presence.shutdown();
    await leaseClient.del(leaseKey(processId));
    await leaseClient.quit();
  };
  return { lease, presence, leaseClient, processId, close };
}

describe('the cluster lease on real Redis: creation after connection trouble', function () {
  let started: ReturnType<typeof leaseOn> | undefined;
  let lease: ClusterLease | undefined;
  const rejoins = new HeldRejoins();

  before(async function () {
    const services = servicesOrSkip(this, { redis: true });
    if (!services) return;
    started = leaseOn(services.redisUrl, { rejoin: rejoins.rejoin });
    lease = started.lease;
    await lease.start();
  });

  after(async () => {
    rejoins.finish();
    await started?.close();
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

describe('the cluster lease when Redis loses its key with every connection up (a FLUSHDB, an eviction)', function () {
  it('makes the lease again, creates nothing until it has put its listings back and a lease lifetime after, and does not fence', async function () {
    const services = servicesOrSkip(this, { redis: true });
    if (!services) return;
    const seen = { lost: 0, rejoins: 0, fences: 0 };
    const { lease, leaseClient, processId, close } = leaseOn(services.redisUrl, {
      fence: async () => void seen.fences++,
      rejoin: async () => void seen.rejoins++,
      onLost: () => void seen.lost++,
    });
    try {
      await lease.start();
      assert.equal(lease.creationRefusal(), undefined);
      // Gone with the connections up: no connection drops, so nothing but the renewal can tell.
      await leaseClient.del(leaseKey(processId));
      await waitUntil(() => seen.lost === 1, 10_000, () => 'the loss to be noted');
      assert.equal(lease.inCluster, false);
      assert.equal(lease.creationRefusal(), REJOINING);
      await waitUntil(() => seen.rejoins === 1, 10_000, () => 'the rejoin that puts the listings back');
      assert.equal(await leaseClient.exists(leaseKey(processId)), 1, 'the lease was not made again');
      assert.equal(lease.creationRefusal(), REJOINING, 'the other nodes may not have put theirs back yet');
      await waitUntil(() => lease.creationRefusal() === undefined, 20_000, () => 'the creation hold to end');
      assert.deepEqual(seen, { lost: 1, rejoins: 1, fences: 0 });
    } finally {
      await close();
    }
  });
});

/** The real renewal thread, started only after `delayMs`: a thread that boots slowly on a busy machine. */
class SlowRenewals implements LeaseRenewer {
  constructor(
    private readonly real: LeaseRenewals,
    private readonly delayMs: number,
  ) {}

  async start(plan: LeaseRenewalPlan): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    await this.real.start(plan);
  }

  noteTurn(at: number): void {
    this.real.noteTurn(at);
  }

  renewedSentAt(): number {
    return this.real.renewedSentAt();
  }

  lapsedSentAt(): number {
    return this.real.lapsedSentAt();
  }

  lostSentAt(): number {
    return this.real.lostSentAt();
  }

  allowRetake(allowed: boolean): void {
    this.real.allowRetake(allowed);
  }

  stop(): void {
    this.real.stop();
  }
}

describe('the cluster lease of a node slow to start', function () {
  // Fenced after 1¼ s without a heartbeat or a renewal back.
  const STALE_NODE_TIMEOUT_MS = 1_000;
  let redisUrl = '';
  const cleanups: Array<() => Promise<void> | void> = [];

  before(function () {
    const services = servicesOrSkip(this, { redis: true });
    if (services) redisUrl = services.redisUrl;
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  /** A lease on real Redis, and the heartbeats it hears back, counted. */
  async function startedLease(options: { readonly startAfterMs: number; readonly renewalsAfterMs: number }) {
    const real = new LeaseRenewals({ redisUrl, timeoutMs: 2_000, logger: createLogger('silent'), now: Date.now });
    let fences = 0;
    const { lease, presence, processId, close } = leaseOn(redisUrl, {
      renewals: new SlowRenewals(real, options.renewalsAfterMs),
      staleNodeTimeoutMs: STALE_NODE_TIMEOUT_MS,
      fence: async () => void fences++,
    });
    cleanups.push(close);
    let heard = 0;
    await presence.subscribe(`kismet:heartbeat:${processId}`, () => heard++);
    // The node's own setup between the lease's making and its start (a database, its routes, its port).
    await new Promise((resolve) => setTimeout(resolve, options.startAfterMs));
    await lease.start();
    return { heard: () => heard, fences: () => fences };
  }

  it('does not fence itself at its first heartbeat when its setup took longer than the fence window', async () => {
    const { heard, fences } = await startedLease({ startAfterMs: 1_500, renewalsAfterMs: 0 });
    await waitUntil(() => heard() >= 20, 20_000, () => 'two timeouts’ heartbeats heard');
    // (A node that fenced is back by then: what counts is that it fenced, and dropped every client.)
    assert.equal(fences(), 0, 'the heartbeats’ silence was counted from the lease’s making, not from its start');
  });

  it('is held by its renewal thread before it starts beating, however long that thread takes to boot', async () => {
    const { heard, fences } = await startedLease({ startAfterMs: 0, renewalsAfterMs: 1_500 });
    await waitUntil(() => heard() >= 20, 20_000, () => 'two timeouts’ heartbeats heard');
    assert.equal(fences(), 0, 'the node fenced itself while its renewal thread booted');
  });
});

describe('the lease renewal thread, once its lease lapsed', function () {
  it('never brings the lease back by renewing it (the others may have taken its actors), and takes it again only once allowed', async function () {
    const services = servicesOrSkip(this, { redis: true });
    if (!services) return;
    const target = new URL(services.redisUrl);
    const proxy = await TcpProxy.start(Number(target.port || 6379));
    target.port = String(proxy.port);
    const redis = new Redis(services.redisUrl);
    const renewals = new LeaseRenewals({ redisUrl: target.toString(), timeoutMs: 500, logger: createLogger('silent'), now: Date.now });
    const turning = setInterval(() => renewals.noteTurn(Date.now()), 50);
    const key = leaseKey(`kismet-test-${randomUUID()}`);
    const lifetimeMs = 600;
    try {
      const takenAt = Date.now();
      await redis.set(key, '1', 'PX', lifetimeMs);
      await renewals.start({ key, periodMs: 60, lifetimeMs, maxStallMs: 600_000, renewedSentAt: takenAt });
      await waitUntil(() => renewals.renewedSentAt() > takenAt, 10_000, () => 'a renewal');
      // Cut off without a reset (a partition, or a process frozen) for longer than the lease lives.
      proxy.blackhole();
      await waitUntil(async () => (await redis.exists(key)) === 0, 10_000, () => 'the lease to lapse');
      proxy.restore();
      await waitUntil(() => renewals.lapsedSentAt() > 0, 10_000, () => 'a renewal to find the lease lapsed');
      const seen = renewals.lapsedSentAt();
      await waitUntil(() => renewals.lapsedSentAt() > seen, 10_000, () => 'another renewal to find it lapsed');
      assert.equal(await redis.exists(key), 0, 'a renewal brought a lapsed lease back');
      // The node fenced itself and its actors are gone: the lease is taken again.
      const renewedBefore = renewals.renewedSentAt();
      renewals.allowRetake(true);
      await waitUntil(() => renewals.renewedSentAt() > renewedBefore, 10_000, () => 'the lease taken again');
      assert.equal(await redis.exists(key), 1);
    } finally {
      clearInterval(turning);
      renewals.stop();
      await redis.del(key);
      redis.disconnect();
      await proxy.close();
    }
  });
});
