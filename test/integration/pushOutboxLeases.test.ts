import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { LocalPresence } from '@colyseus/core';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { generateVAPIDKeys } from 'web-push';
import type { DatabaseHandle } from '../../db/database';
import { finishPushes, leaseDuePushes, retryPushLater } from '../../db/repositories/pushOutboxRepository';
import { savePushTarget } from '../../db/repositories/pushTargetRepository';
import { insertUsersBulk } from '../../db/repositories/userRepository';
import type { WebPushTarget } from '../../domain/push/notification';
import { createLogger } from '../../server/logger';
import { PresenceConnectedDevices } from '../../server/push/connectedDevices';
import { PushMetrics } from '../../server/push/pushMetrics';
import { DEFAULT_PUSH_OUTBOX_OPTIONS, PushOutboxWorker } from '../../server/push/pushOutboxWorker';
import { WebPushProvider } from '../../server/push/webPushProvider';
import { waitUntil } from '../support/accounts';
import { liveSession } from '../support/push/liveSessions';
import { testCertificate } from '../support/push/tlsStandIn';
import { WebPushService } from '../support/push/webPushService';
import { createScratchDatabase, migratedScratchDatabase, servicesOrSkip } from '../support/services';

/** Shorter than the slow device's send, which the stand-in holds until the test lets it go. */
const LEASE_MS = 4_000;

interface OutboxRow {
  state: string;
  attempts: number;
  reason: string | null;
  leased_until: Date | null;
  due_at: Date;
}

/**
 * The push outbox's leases: a worker leases a batch of rows and sends them at
 * once; each row is finished when its own send ends, and a send that outlasts
 * its deadline (below the lease) is given up and retried by the same worker, so
 * no row is leased again, and sent again, while its first send runs. A worker
 * whose lease ran out writes nothing over the worker that took its rows since.
 */
describe('push outbox leases (server/push/pushOutboxWorker, Postgres)', function () {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let database: DatabaseHandle | undefined;
  const service = new WebPushService();
  const vapid = { ...generateVAPIDKeys(), subject: 'mailto:ops@kismet.test' };
  let provider: WebPushProvider | undefined;
  const workers: PushOutboxWorker[] = [];

  before(async function () {
    const services = servicesOrSkip(this, { postgres: true });
    if (!services) return;
    ({ scratch, database } = await migratedScratchDatabase(services.databaseUrl, 4));
    const certificate = await testCertificate();
    await service.listen(certificate);
    // The provider's own timeout is far past the lease: only the outbox's deadline ends a held send.
    provider = new WebPushProvider({ vapid, ca: certificate.cert, timeoutMs: 600_000 });
  });
  after(async () => {
    // The service first: a send it still holds fails, and the worker stops.
    await service.close();
    await Promise.all(workers.map((w) => w.stop()));
    await provider?.close();
    await database?.close();
    await scratch?.drop();
  });

  /** A person with a browser subscribed at the stand-in, registered as their device's target by a live session. */
  async function person(): Promise<{ userId: string; target: WebPushTarget }> {
    const userId = randomUUID();
    await insertUsersBulk(database!.db, [{ id: userId, email: `${userId}@kismet.test`, passwordHash: 'x' }]);
    const target = service.subscribe(vapid.publicKey);
    await savePushTarget(database!.db, { userId, deviceId: 'phone', target, sessionId: await liveSession(database!.db, userId), at: new Date() }, 10);
    return { userId, target };
  }

  async function rowOf(id: string): Promise<OutboxRow> {
    const { rows } = await sql<OutboxRow>`select state, attempts, reason, leased_until, due_at from push_outbox where id = ${id}`.execute(database!.db);
    return rows[0]!;
  }

  it('finishes a fast device’s row while a slow one of its batch is still sending, and sends neither twice meanwhile', async () => {
    const db = database!.db;
    const [fast, slow] = [await person(), await person()];
    const slowRequests = service.holdEndpoint(slow.target.endpoint);
    // One statement: the two rows are due together, and leased in one batch.
    const { rows } = await sql<{ id: string; user_id: string }>`
      insert into push_outbox (user_id, device_id, kind, payload)
      select u, 'phone', 'like.received', '{}'::jsonb from unnest(${[fast.userId, slow.userId]}::uuid[]) as u
      returning id, user_id`.execute(db);
    const idOf = (userId: string) => String(rows.find((r) => r.user_id === userId)!.id);
    const [fastRow, slowRow] = [idOf(fast.userId), idOf(slow.userId)];

    // Nobody is connected: every row is sent.
    const connected = new PresenceConnectedDevices(new LocalPresence(), () => 'this-node');
    const worker = new PushOutboxWorker(
      {
        db,
        providers: { webpush: provider! },
        isConnected: (userId, deviceId) => connected.isConnected(userId, deviceId),
        metrics: new PushMetrics(new Registry()),
        logger: createLogger('silent'),
      },
      { ...DEFAULT_PUSH_OUTBOX_OPTIONS, leaseMs: LEASE_MS },
    );
    workers.push(worker);
    worker.start();

    await waitUntil(async () => (await rowOf(fastRow)).state === 'done', 20_000, () => 'the fast device’s row done');
    const slowFirst = await rowOf(slowRow);
    assert.deepEqual([slowFirst.state, slowFirst.attempts, slowRequests.waiting], ['pending', 1, 1], 'the slow device’s send is still waiting on the service');
    assert.equal(service.received.filter((p) => p.endpoint === fast.target.endpoint).length, 1);

    // Past the first lease, and the slow device's row sent a second time, as a retry.
    await waitUntil(
      async () => slowRequests.arrived >= 2 && (await sql<{ past: boolean }>`select clock_timestamp() > ${slowFirst.leased_until} as past`.execute(db)).rows[0]!.past,
      30_000,
      () => `the slow row sent again past its first lease (${slowRequests.arrived} sends)`,
    );
    assert.equal(slowRequests.mostWaiting, 1, 'the first send of the slow device was given up before its row was sent again');
    assert.equal((await rowOf(slowRow)).reason, 'retry/timeout');
    assert.deepEqual(await rowOf(fastRow).then((r) => [r.state, r.attempts]), ['done', 1], 'the fast device’s row was never leased again');
    assert.equal(service.received.filter((p) => p.endpoint === fast.target.endpoint).length, 1, 'the fast device was pushed once');

    service.releaseEndpoint(slow.target.endpoint);
    await waitUntil(async () => (await rowOf(slowRow)).state === 'done', 20_000, () => 'the slow device’s row done once the service answers');
    assert.deepEqual(service.refusals, []);
    await worker.stop();
  });

  it('keeps a row another worker leased from the writes of the worker whose lease ran out', async () => {
    const db = database!.db;
    const { userId } = await person();
    const { rows } = await sql<{ id: string }>`insert into push_outbox (user_id, device_id, kind, payload) values (${userId}, 'phone', 'like.received', '{}') returning id`.execute(db);
    const id = String(rows[0]!.id);
    const leaseOf = async (leaseMs: number) => (await leaseDuePushes(db, 10, leaseMs)).find((r) => r.id === id);

    // A worker leases the row for a moment and stalls; once its lease runs out, another takes the row.
    const stale = await leaseOf(1);
    assert.ok(stale);
    let current: Awaited<ReturnType<typeof leaseOf>>;
    await waitUntil(async () => (current = await leaseOf(60_000)) !== undefined, 10_000, () => 'the row leased again after the first lease ran out');
    const taken = await rowOf(id);

    assert.deepEqual(await finishPushes(db, [{ id, attempts: stale.attempts, state: 'dead', reason: 'retry/timeout' }]), []);
    assert.equal(await retryPushLater(db, stale, 60_000, 'retry/unavailable'), false);
    assert.deepEqual(await rowOf(id), taken, 'the stale worker changed nothing: the row is the second worker’s, leased as it took it');

    assert.deepEqual(await finishPushes(db, [{ id, attempts: current!.attempts, state: 'done', reason: null }]), [id]);
    assert.deepEqual(await rowOf(id).then((r) => [r.state, r.attempts, r.reason]), ['done', 2, null]);
  });
});
