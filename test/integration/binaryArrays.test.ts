import assert from 'node:assert/strict';
import { Pool, type PoolClient } from 'pg';
import { binaryArrayEncoders } from '../../db/binaryArrays';
import { PreparingPool } from '../../db/preparingPool';
import { servicesOrSkip } from '../support/services';

const ID = '7f9c2b1e-3d4a-4c5b-8e6f-0a1b2c3d4e5f';
const UPPER_ID = 'ABCDEF01-2345-4789-ABCD-EF0123456789';

/** Arrays of each element type that goes binary, with nulls, extremes and empties. */
const CASES: Array<[unknown[], string]> = [
  [[ID, null, UPPER_ID, '00000000-0000-0000-0000-000000000000'], 'uuid'],
  [[0, -1, 2147483647, -2147483648, null], 'int'],
  [[true, false, null], 'boolean'],
  [['plain', '', 'NULL', 'quote"d', 'back\\slash', 'a,b', '{brace}', 'ünïcödé 💘', null], 'text'],
  [[], 'uuid'],
  [[null], 'int'],
];

/**
 * The node's pool sends the arrays its statements cast to uuid[], int[],
 * boolean[] or text[] in Postgres's binary array format (db/binaryArrays):
 * the bytes must be the ones Postgres itself writes for the same array, and
 * what it cannot write exactly must still go, as text, and mean what it meant.
 */
describe('array parameters sent as bytes (db/binaryArrays)', function () {
  let plain: Pool;
  let wrapped: Pool;
  let preparing: PreparingPool;
  /** Each statement's values as the node's pool handed them to pg. */
  const sent: unknown[][] = [];

  before(function () {
    const services = servicesOrSkip(this, { postgres: true });
    if (!services) return;
    plain = new Pool({ connectionString: services.databaseUrl, max: 1 });
    wrapped = new Pool({ connectionString: services.databaseUrl, max: 1 });
    wrapped.on('connect', (client: PoolClient) => {
      const query = client.query.bind(client) as (config: { values?: unknown[] }) => Promise<unknown>;
      (client as unknown as { query: typeof query }).query = (config) => {
        sent.push(config.values ?? []);
        return query(config);
      };
    });
    preparing = new PreparingPool(wrapped, () => undefined);
  });
  after(async () => {
    await plain?.end();
    await preparing?.end();
  });

  const run = async (text: string, values: unknown[]): Promise<Array<Record<string, unknown>>> => {
    const client = await preparing.connect();
    try {
      return ((await client.query(text, values)) as unknown as { rows: Array<Record<string, unknown>> }).rows;
    } finally {
      client.release();
    }
  };

  it('goes binary only for a parameter every mention of which casts it to one array type it knows', () => {
    const encoders = binaryArrayEncoders(
      'select $1::uuid[], $1::uuid[], $2::uuid[], $2, $3::uuid[][], $4::jsonb[], $5::INT[], $6::text[], $6::uuid[], $10::boolean[]',
      10,
    );
    assert.ok(encoders);
    assert.deepEqual(encoders.map((e) => e !== undefined), [true, false, false, false, true, false, false, false, false, true]);
    assert.equal(binaryArrayEncoders('select $1::date[], $2', 2), undefined);
  });

  it('writes the bytes Postgres writes for the same array', async () => {
    for (const [values, type] of CASES) {
      const encoders = binaryArrayEncoders(`select $1::${type}[]`, 1);
      const ours = encoders?.[0]?.(values);
      assert.ok(ours, `${type}[] ${JSON.stringify(values)}`);
      const theirs = (await plain.query(`select array_send($1::${type}[]) as b`, [values])).rows[0].b as Buffer;
      assert.equal(ours.toString('hex'), theirs.toString('hex'), `${type}[] ${JSON.stringify(values)}`);
    }
  });

  it('sends them as bytes through the node’s pool, and Postgres reads back what was sent', async () => {
    for (const [values, type] of CASES) {
      sent.length = 0;
      const rows = await run(`select $1::${type}[] as v, $2::text as t`, [values, 'x']);
      assert.ok(Buffer.isBuffer(sent[0]![0]), `${type}[] went as bytes`);
      assert.equal(sent[0]![1], 'x');
      const expected = (await plain.query(`select $1::${type}[] as v`, [values])).rows[0].v;
      assert.deepEqual(rows[0]!.v, expected, `${type}[] ${JSON.stringify(values)}`);
    }
  });

  it('sends as text what it cannot write exactly, which Postgres reads or refuses as before', async () => {
    const braced = `{${ID}}`;
    sent.length = 0;
    const rows = await run('select $1::uuid[] as ids, $2::text[] as texts', [[ID, braced], [1, 'two']]);
    assert.equal(typeof sent[0]![0], 'string');
    assert.equal(typeof sent[0]![1], 'string');
    assert.deepEqual(rows[0], { ids: [ID, ID], texts: ['1', 'two'] });
    const refusal = async (values: unknown[], type: string) => {
      const ours = await run(`select $1::${type}[] as v`, [values]).then(() => undefined, (error: unknown) => error as { code?: string });
      const theirs = await plain.query(`select $1::${type}[] as v`, [values]).then(() => undefined, (error: unknown) => error as { code?: string });
      assert.ok(ours, `${type}[] ${JSON.stringify(values)} refused`);
      assert.ok(theirs?.code, `pg refuses ${type}[] ${JSON.stringify(values)} too`);
      assert.equal(ours.code, theirs.code);
    };
    await refusal(['not an id'], 'uuid');
    await refusal([2147483648], 'int');
    await refusal([1.5], 'int');
    await refusal(['text\u0000with a nul'], 'text');
  });
});
