import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Pool } from 'pg';
import type { DatabaseHandle } from '../../db/database';
import { finishPushes, leaseDuePushes } from '../../db/repositories/pushOutboxRepository';
import { outboxBacklog, pruneFinishedOutboxRows } from '../../db/repositories/outboxMaintenanceRepository';
import { insertUsersBulk } from '../../db/repositories/userRepository';
import { waitUntil } from '../support/accounts';
import { createScratchDatabase, migratedScratchDatabase, servicesOrSkip, testPool } from '../support/services';

const DEVICES = 600;

/**
 * A node's connections plan a prepared statement once, for any values, and keep
 * the plan until the table's statistics change. The outbox is a queue: empty
 * when a node starts (and when autovacuum last looked), thousands of rows in the
 * next burst. The lease must not keep a plan made for the empty tables: one
 * that reads a whole table once for every row it leases.
 */
describe('an outbox planned while empty (db/queuePlans)', function () {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let database: DatabaseHandle | undefined;
  let plain: Pool | undefined;

  before(async function () {
    const services = servicesOrSkip(this, { postgres: true });
    if (!services) return;
    // One connection, like each of a node's: every statement below runs on it, and keeps its plan there.
    ({ scratch, database } = await migratedScratchDatabase(services.databaseUrl, 1));
    plain = testPool(scratch.url);
  });
  after(async () => {
    await database?.close();
    await plain?.end();
    await scratch?.drop();
  });

  /** What the statistics say of a table: rows read by scans, rows updated (the node's connection's counts flushed first). */
  async function tableCounts(table: string): Promise<{ scanned: number; updated: number }> {
    await sql`select pg_stat_force_next_flush()`.execute(database!.db);
    const { rows } = await plain!.query<{ scanned: string; updated: string }>(
      'select coalesce(seq_tup_read, 0) as scanned, n_tup_upd as updated from pg_stat_user_tables where relname = $1',
      [table],
    );
    return { scanned: Number(rows[0]?.scanned ?? 0), updated: Number(rows[0]?.updated ?? 0) };
  }

  it('leases a burst without reading every device’s target once per leased row', async () => {
    const db = database!.db;
    // What autovacuum (or a restore) saw: the tables empty. The node's first round plans on them.
    await plain!.query('analyze');
    assert.deepEqual(await leaseDuePushes(db, 256, 30_000), []);
    await finishPushes(db, [{ id: '1', attempts: 1, state: 'done', reason: null }]);
    await pruneFinishedOutboxRows(db, 'push_outbox', 60_000, 100);
    assert.equal((await outboxBacklog(db, 'push_outbox')).depth, 0);

    // A burst: a device each for DEVICES people, and a push waiting for each.
    const users = Array.from({ length: DEVICES }, () => randomUUID());
    await insertUsersBulk(db, users.map((id) => ({ id, email: `${id}@kismet.test`, passwordHash: 'x' })));
    // Each registered by a live log-in session of its own (its family's unspent refresh token; the family id is the user's here).
    await plain!.query(
      `insert into refresh_tokens (id, user_id, family_id, token_hash, expires_at)
       select gen_random_uuid(), u, u, u::text, now() + interval '1 hour' from unnest($1::uuid[]) as u`,
      [users],
    );
    await plain!.query(
      `insert into push_targets (user_id, device_id, platform, target, session_id)
       select u, 'phone', 'fcm', jsonb_build_object('platform', 'fcm', 'token', u::text), u from unnest($1::uuid[]) as u`,
      [users],
    );
    await plain!.query(`insert into push_outbox (user_id, device_id, kind, payload) select u, 'phone', 'match.created', '{}' from unnest($1::uuid[]) as u`, [users]);

    const [targetsBefore, tokensBefore, outboxBefore] = [await tableCounts('push_targets'), await tableCounts('refresh_tokens'), await tableCounts('push_outbox')];
    const leased = await leaseDuePushes(db, 256, 30_000);
    // The connection's counts reach the shared statistics as it goes idle after the flush asked for: wait for the lease's updates to show.
    await waitUntil(async () => (await tableCounts('push_outbox')).updated >= outboxBefore.updated + 256, 10_000, () => 'the lease in the statistics');
    const targetsRead = (await tableCounts('push_targets')).scanned - targetsBefore.scanned;
    const tokensRead = (await tableCounts('refresh_tokens')).scanned - tokensBefore.scanned;

    assert.equal(leased.length, 256);
    assert.ok(leased.every((row) => row.target?.platform === 'fcm'), 'each leased row comes with its device’s target');
    // Read by index, or once for all rows; a plan for the empty table read all DEVICES targets for each leased row.
    assert.ok(targetsRead <= DEVICES, `the lease read ${targetsRead} target rows for 256 leased of ${DEVICES}`);
    // The same for the check that each device's session is live.
    assert.ok(tokensRead <= DEVICES, `the lease read ${tokensRead} refresh tokens for 256 leased of ${DEVICES}`);
    await finishPushes(db, leased.map((row) => ({ id: row.id, attempts: row.attempts, state: 'done' as const, reason: null })));
    assert.equal((await outboxBacklog(db, 'push_outbox')).depth, DEVICES - 256);
  });
});
