import assert from 'node:assert/strict';
import { Pool } from 'pg';
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../db/database';
import { withValuesInlined } from '../../db/inlinedValues';
import { UNPREPARED } from '../../db/preparingPool';
import { servicesOrSkip } from '../support/services';

/** Values that a literal could misread, of every kind pg sends: each must reach Postgres as it was. */
const VALUES: Array<[unknown, string]> = [
  ["it's", 'text'],
  ["''", 'text'],
  ['back\\slash', 'text'],
  ["\\'; select 1; --", 'text'],
  ['$1 $$ $tag$', 'text'],
  ['/* not a comment', 'text'],
  ['ünïcödé 💘', 'text'],
  ['', 'text'],
  [null, 'text'],
  [42, 'int'],
  [-1.5, 'float8'],
  [true, 'boolean'],
  [new Date('2026-12-04T21:30:15.123Z'), 'timestamptz'],
  [Buffer.from([0, 1, 0xfe, 0x27, 0x5c]), 'bytea'],
  [['a', "b'c", 'd\\e', null], 'text[]'],
  [{ quote: "it's", nested: [1, 'x\\y'] }, 'jsonb'],
];

describe('values written into a statement as literals (db/inlinedValues)', function () {
  let plain: Pool | undefined;
  let database: DatabaseHandle | undefined;

  before(async function () {
    const services = servicesOrSkip(this, { postgres: true });
    if (!services) return;
    plain = new Pool({ connectionString: services.databaseUrl, max: 1 });
    database = await openDatabase({ kind: 'postgres', url: services.databaseUrl, poolSize: 1 });
  });
  after(async () => {
    await plain?.end();
    await database?.close();
  });

  it('replaces only parameters: not in strings, quoted names, comments or dollar-quoted bodies', () => {
    const text = [
      `select $1, '$1', 'it''s $1', E'\\'$1', "col$1", a$1, $2`,
      `-- $1 in a line comment`,
      `/* $1 /* nested $1 */ still $1 */ $10,`,
      `$$ $1 $$, $body$ $1 $body$, $3::int`,
    ].join('\n');
    const values = ['x', 'y', 3, 4, 5, 6, 7, 8, 9, 'ten'];
    assert.equal(
      withValuesInlined(text, values),
      [
        `select 'x', '$1', 'it''s $1', E'\\'$1', "col$1", a$1, 'y'`,
        `-- $1 in a line comment`,
        `/* $1 /* nested $1 */ still $1 */ 'ten',`,
        `$$ $1 $$, $body$ $1 $body$, '3'::int`,
      ].join('\n'),
    );
    assert.throws(() => withValuesInlined('select $2', ['only one']), /refers to \$2/);
    assert.throws(() => withValuesInlined('select $1', ['nul\0byte']), /NUL/);
  });

  it('reads back every value as pg sent it as a parameter', async () => {
    for (const [value, type] of VALUES) {
      const text = `select $1::${type} as v`;
      const asParameter = (await plain!.query(text, [value])).rows[0].v as unknown;
      const inlined = (await plain!.query(withValuesInlined(text, [value]))).rows[0].v as unknown;
      assert.deepEqual(inlined, asParameter, `${JSON.stringify(value)} as ${type}`);
    }
  });

  it('the node’s connections plan a prepared statement once for any values, and an unprepared one for its own', async () => {
    const db = database!.db;
    assert.equal((await sql<{ plan_cache_mode: string }>`show plan_cache_mode`.execute(db)).rows[0]!.plan_cache_mode, 'force_generic_plan');
    // A prepared statement, run three times on the one connection: the generic plan each time, never a custom one.
    for (let i = 0; i < 3; i++) await sql`select count(*) from pg_class where relname = any(${['pg_class', `x${i}`]}::text[])`.execute(db);
    const plans = await sql<{ generic_plans: string; custom_plans: string }>`
      select generic_plans, custom_plans from pg_prepared_statements where statement like ${'select count(*) from pg_class where relname = any(%'}`.execute(db);
    assert.deepEqual(plans.rows.map((r) => [Number(r.generic_plans), Number(r.custom_plans)]), [[3, 0]]);
    // An unprepared statement reaches Postgres with its values in its text, so it is planned for them.
    const seen = await sql<{ query: string }>`${sql.raw(UNPREPARED)} select query from pg_stat_activity where pid = pg_backend_pid() and ${'a marker'}::text is not null`.execute(db);
    assert.match(seen.rows[0]!.query, /'a marker'::text/);
    // An unprepared statement's values still mean what they say.
    const tricky = (await sql<{ v: string }>`${sql.raw(UNPREPARED)} select ${"it's \\ $1"}::text as v`.execute(db)).rows[0]!.v;
    assert.equal(tricky, "it's \\ $1");
  });
});
