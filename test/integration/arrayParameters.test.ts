import assert from 'node:assert/strict';
import { Pool } from 'pg';
import { arrayParameter } from '../../db/arrayParameters';
import { PreparingPool } from '../../db/preparingPool';
import { servicesOrSkip } from '../support/services';

/** Arrays whose elements an array literal could misread: each must reach Postgres as it was. */
const TRICKY_TEXT = [
  'plain', '', 'NULL', 'null', 'Null', ' leading', 'trailing ', 'two words', 'a,b', '{brace}', 'quote"d', 'back\\slash', '\\"',
  'new\nline', 'tab\there', 'ünïcödé', '💘', "it's", 'NaN', '-', '+1', '1.5e+21', 'a:b.c_d-e', '2026-12-04T00:00:00.000Z',
];

/**
 * The node's pool writes array parameters as literals of its own (db/arrayParameters):
 * Postgres must read from them exactly what `pg`'s own literals say, for every kind
 * of element the repositories send and for the ones they might.
 */
describe('array parameters reach Postgres as they were', function () {
  let plain: Pool;
  let preparing: PreparingPool;

  before(function () {
    const services = servicesOrSkip(this, { postgres: true });
    if (!services) return;
    plain = new Pool({ connectionString: services.databaseUrl, max: 1 });
    preparing = new PreparingPool(new Pool({ connectionString: services.databaseUrl, max: 1 }), () => undefined);
  });
  after(async () => {
    await plain?.end();
    await preparing?.end();
  });

  /** What Postgres reads from `value` cast to `type`, through the node's pool and through plain `pg`. */
  const readBoth = async (value: unknown, type: string): Promise<{ ours: unknown; pgs: unknown }> => {
    const text = `select $1::${type} as v`;
    const client = await preparing.connect();
    try {
      const ours = ((await client.query(text, [value])) as unknown as { rows: Array<{ v: unknown }> }).rows[0]!.v;
      const pgs = (await plain.query(text, [value])).rows[0]!.v as unknown;
      return { ours, pgs };
    } finally {
      client.release();
    }
  };

  it('text, with quotes, separators, spaces, NULL spelt out and characters beyond ASCII', async () => {
    const { ours, pgs } = await readBoth(TRICKY_TEXT, 'text[]');
    assert.deepEqual(ours, TRICKY_TEXT);
    assert.deepEqual(pgs, TRICKY_TEXT);
    // Each element alone, so one misread cannot hide behind another's.
    for (const text of TRICKY_TEXT) assert.deepEqual((await readBoth([text], 'text[]')).ours, [text], JSON.stringify(text));
  });

  it('nulls, ids, numbers, flags, dates, nested arrays and JSON, as pg reads them', async () => {
    const cases: Array<[unknown[], string]> = [
      [['7f9c2b1e-3d4a-4c5b-8e6f-0a1b2c3d4e5f', null, 'ABCDEF01-2345-4789-ABCD-EF0123456789'], 'uuid[]'],
      [[0, -1, 2147483647, null], 'int[]'],
      [[1.5, -0.25, 1e21, Number.NaN, Number.POSITIVE_INFINITY], 'float8[]'],
      [[9007199254740993n], 'int8[]'],
      [[true, false, null], 'boolean[]'],
      [['2026-12-04', '1999-01-31'], 'date[]'],
      [['2026-12-04T00:00:00.000Z', '2026-12-04T13:14:15.678+02:00'], 'timestamptz[]'],
      [[new Date('2026-12-04T00:00:00.000Z'), null], 'timestamptz[]'],
      [[['a', 'b c'], ['NULL', '"']], 'text[][]'],
      [[JSON.stringify({ body: 'hi, "you"\\', n: [1, 2] }), JSON.stringify('NULL'), 'null'], 'jsonb[]'],
      [[], 'text[]'],
    ];
    for (const [value, type] of cases) {
      const { ours, pgs } = await readBoth(value, type);
      assert.deepEqual(ours, pgs, `${type}: ${String(value)}`);
    }
  });

  it('writes the literal itself for what it can, and leaves the rest to pg', () => {
    assert.equal(arrayParameter(['7f9c2b1e-3d4a-4c5b-8e6f-0a1b2c3d4e5f', 'pass', 3, true, null]), '{7f9c2b1e-3d4a-4c5b-8e6f-0a1b2c3d4e5f,pass,3,true,NULL}');
    assert.equal(arrayParameter(['a b', 'null', '']), '{"a b","null",""}');
    const dates = [new Date(0)];
    assert.equal(arrayParameter(dates), dates);
    assert.equal(arrayParameter('not an array'), 'not an array');
  });
});
