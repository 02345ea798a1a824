import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../db/database';
import { AppError } from '../../domain/errors';
import { waitUntil } from '../support/accounts';
import { servicesOrSkip, testPool } from '../support/services';

/**
 * A node hears of each pooled connection Postgres ends (a restart ends them all
 * with 57P01), and marks its database down: that is how a restart quicker than
 * a probe shows on /readyz. A restart used to go unheard by a node whose every
 * connection was running a statement at that moment, as one of a fault test's
 * two nodes on a busy machine did. Postgres's own `pg_terminate_backend` ends a
 * connection the way a fast shutdown does, on the shared server, ending only
 * this suite's connections.
 */
describe('a pooled connection Postgres ends', function () {
  let url = '';
  let database: DatabaseHandle | undefined;
  const heard: Error[] = [];
  const admin = { pool: undefined as ReturnType<typeof testPool> | undefined };

  before(function () {
    const services = servicesOrSkip(this, { postgres: true });
    if (!services) return;
    url = services.databaseUrl;
    admin.pool = testPool(url);
  });

  beforeEach(async function () {
    if (!url) this.skip();
    heard.length = 0;
    // One connection: when it runs a statement, no idle one is there to hear the restart.
    database = await openDatabase({ kind: 'postgres', url, poolSize: 1 }, { onConnectionError: (error) => heard.push(error) });
  });

  afterEach(async () => {
    await database?.close();
  });

  after(async () => {
    await admin.pool?.end();
  });

  /** Ends the server processes (not the admin pool's own) that `where` picks, `value` its one parameter; answers how many ended. */
  async function terminate(where: string, value: string): Promise<number> {
    const { rows } = await admin.pool!.query(`select pg_terminate_backend(pid) as ended from pg_stat_activity where pid <> pg_backend_pid() and ${where}`, [value]);
    return rows.filter((r: { ended: boolean }) => r.ended).length;
  }

  it('is heard when it ends while running a statement, and the statement is refused UNAVAILABLE', async () => {
    const marker = `kismet-loss-${randomUUID()}`;
    const running = sql`select pg_sleep(60), ${sql.lit(marker)}`.execute(database!.db).then(
      () => undefined,
      (error: unknown) => error,
    );
    await waitUntil(async () => (await terminate(`state = 'active' and query like '%' || $1 || '%'`, marker)) === 1, 10_000, () => 'the statement to run');
    const refusal = await running;
    assert.ok(refusal instanceof AppError && refusal.code === 'UNAVAILABLE', `refused with ${String(refusal)}`);
    assert.equal(heard.length, 1, `heard ${heard.map((e) => e.message).join('; ')}`);
    assert.equal((heard[0] as { code?: string }).code, '57P01');
    // The pool opens a new connection for the next statement.
    await sql`select 1`.execute(database!.db);
  });

  it('is heard once when it ends while idle', async () => {
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database!.db);
    const pid = String(rows[0]!.pid);
    assert.equal(await terminate('pid = $1::int', pid), 1);
    await waitUntil(() => heard.length > 0, 10_000, () => 'the idle connection’s loss to be heard');
    // The next statement runs on a new connection, after pg's and the pool's events for the old one.
    const next = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database!.db);
    assert.notEqual(String(next.rows[0]!.pid), pid);
    assert.equal(heard.length, 1, `heard ${heard.map((e) => e.message).join('; ')}`);
  });

  it('is not taken for lost when a statement only runs out of time', async () => {
    database!.limitQueries(50);
    const refusal = await sql`select pg_sleep(2)`.execute(database!.db).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(refusal instanceof AppError && refusal.code === 'UNAVAILABLE', `refused with ${String(refusal)}`);
    database!.limitQueries(10_000);
    await sql`select 1`.execute(database!.db); // on a new connection: the timed-out one was destroyed
    assert.deepEqual(heard, []);
  });
});
