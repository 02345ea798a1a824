import assert from 'node:assert/strict';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Pool } from 'pg';
import { migrateToLatest } from '../../db/migrate';
import { PreparingPool } from '../../db/preparingPool';
import { eraseAccount } from '../../db/repositories/accountErasureRepository';
import { harnessEmailKeys } from '../support/emailKeys';
import { exportAccount } from '../../db/repositories/accountExportRepository';
import type { Database } from '../../db/types';
import { createScratchDatabase, servicesOrSkip } from '../support/services';

const PEOPLE = 4_000;

/** The tables an erasure deletes from, or writes, by person, while it holds a table others write to. */
const BY_PERSON = ['refresh_tokens', 'registrations', 'attendance', 'read_markers', 'messages'] as const;

/**
 * An erasure holds the swipes table (its first step) and the messages and attendance
 * tables (its second) while it runs: a statement that reads a whole table for one
 * person holds every swipe flush or chat write of the cluster for as long. Each
 * reaches the person's rows by index, planned as a node's connections plan it (once,
 * for any values); Postgres's `auto_explain` tells each plan back as a notice.
 */
describe('what an erasure and an export read (db/repositories/accountErasureRepository, accountExportRepository)', function () {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let db: Kysely<Database> | undefined;
  const notices: string[] = [];

  before(async function () {
    const services = servicesOrSkip(this, { postgres: true });
    if (!services) return;
    scratch = await createScratchDatabase(services.databaseUrl);
    // One connection, as each of a node's: planned once for any values.
    const pool = new Pool({ connectionString: scratch.url, max: 1, options: '-c plan_cache_mode=force_generic_plan' });
    pool.on('connect', (client) => client.on('notice', (notice) => notices.push(notice.message ?? '')));
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new PreparingPool(pool, () => undefined) }) });
    await migrateToLatest(db);
  });
  after(async () => {
    await db?.destroy();
    await scratch?.drop();
  });

  /** People in pairs of matches with ten messages each, tokens, registrations and arrivals; one of them, who also wrote in a thread they left. */
  async function seed(): Promise<{ id: string; other: string }> {
    const run = (text: string) => sql.raw(text).execute(db!);
    await run(`insert into users (id, email, password_hash) select gen_random_uuid(), 'p' || i || '@plans.test', 'x' from generate_series(1, ${PEOPLE}) i`);
    await run(`insert into cards (id, owner_id, kind, title) select gen_random_uuid(), id, 'person', 'c' from users`);
    await run(`
      with c as (select id, owner_id, row_number() over (order by id) as n from cards)
      insert into matches (id, card_a_id, card_b_id, user_a_id, user_b_id)
      select gen_random_uuid(), a.id, b.id, a.owner_id, b.owner_id from c a join c b on b.n = a.n + 1 where a.n % 2 = 1`);
    await run(`insert into match_members (match_id, user_id) select id, user_a_id from matches union all select id, user_b_id from matches`);
    await run(`insert into read_markers (match_id, user_id) select match_id, user_id from match_members`);
    await run(`
      insert into messages (match_id, seq, sender_id, client_message_id, kind, body)
      select m.id, s, case when s % 2 = 0 then m.user_a_id else m.user_b_id end, 'c' || s, 'text', 'hi' from matches m, generate_series(1, 10) s`);
    await run(`update matches set last_seq = 10`);
    await run(`
      insert into refresh_tokens (id, user_id, family_id, token_hash, expires_at)
      select gen_random_uuid(), u.id, u.id, md5(u.id::text || s), now() + interval '1 day' from users u, generate_series(1, 3) s`);
    await run(`
      insert into events (id, host_id, job_card_id, title, starts_at, ends_at, capacity)
      select gen_random_uuid(), owner_id, id, 'e', now(), now() + interval '1 hour', 1000 from cards order by id limit 50`);
    await run(`
      with e as (select id, row_number() over (order by id) as n from events), u as (select id, row_number() over (order by id) as n from users)
      insert into registrations (event_id, user_id) select e.id, u.id from u join e on e.n in (u.n % 50 + 1, (u.n + 7) % 50 + 1)`);
    await run(`insert into attendance (event_id, user_id, joined_at) select event_id, user_id, now() from registrations`);
    // The person also wrote in a thread they left as a colleague.
    const { rows: [person] } = await sql<{ id: string; other: string }>`
      select mm.user_id as id, (select id from matches where id <> mm.match_id order by id limit 1) as other
        from match_members mm order by mm.user_id offset 17 limit 1`.execute(db!);
    await sql`insert into messages (match_id, seq, sender_id, client_message_id, kind, body) values (${person!.other}, 11, ${person!.id}, 'left', 'text', 'mine')`.execute(db!);
    await sql`insert into colleague_departures (user_id, match_id) values (${person!.id}, ${person!.other})`.execute(db!);
    await run('analyze');
    return person!;
  }

  /** Runs `work` with every statement's plan told back as a notice; the plans' lines. */
  async function plansOf(work: () => Promise<unknown>): Promise<string[]> {
    await sql`load 'auto_explain'`.execute(db!);
    for (const setting of ['log_min_duration = 0', 'log_nested_statements = on', 'log_level = notice']) await sql.raw(`set auto_explain.${setting}`).execute(db!);
    notices.length = 0;
    await work();
    await sql.raw('reset auto_explain.log_min_duration').execute(db!);
    return notices.flatMap((n) => n.split('\n'));
  }

  const readWhole = (lines: readonly string[], table: string) =>
    lines.filter((line) => line.includes(`Seq Scan on ${table} `) || line.trimEnd().endsWith(`Seq Scan on ${table}`));

  let person: { id: string; other: string } | undefined;

  it('exports a person’s messages through their threads, by index, those of a thread they left too', async function () {
    if (!db) this.skip();
    person = await seed();
    let exported: Awaited<ReturnType<typeof exportAccount>>;
    const lines = await plansOf(async () => (exported = await exportAccount(db!, person!.id)));
    assert.ok(lines.some((line) => / on messages\b/.test(line)), 'a plan on messages');
    assert.deepEqual(readWhole(lines, 'messages'), [], 'messages read whole');
    const mine = (exported!.messages as ReadonlyArray<{ body: string | null }>).map((m) => m.body);
    assert.equal(mine.length, 6, 'five in their own thread, one in the thread they left');
    assert.ok(mine.includes('mine'));
  });

  it('reaches a person’s tokens, registrations, attendance, read markers and messages by index', async function () {
    if (!db) this.skip();
    assert.ok(person, 'the people were seeded by the export test before');
    let erased: Awaited<ReturnType<typeof eraseAccount>>;
    const lines = await plansOf(async () => (erased = await eraseAccount(db!, person!.id, new Date(), harnessEmailKeys)));
    assert.equal(erased?.sweepFailure, undefined);

    for (const table of BY_PERSON) {
      // The check means something only if the statements on the table came back.
      assert.ok(lines.some((line) => new RegExp(` on ${table}\\b`).test(line)), `a plan on ${table}`);
      assert.deepEqual(readWhole(lines, table), [], `${table} read whole`);
    }
    const { rows: left } = await sql<{ n: number }>`
      select count(*)::int as n from messages where sender_id = ${person!.id} and (body is not null or deleted_at is null)`.execute(db!);
    assert.equal(left[0]!.n, 0, 'every message of theirs erased, in the thread they left too');
  });
});
