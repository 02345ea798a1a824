import assert from 'node:assert/strict';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Pool } from 'pg';
import type { Database } from '../../db/types';
import { PreparingPool } from '../../db/preparingPool';
import { storeThreadBatches } from '../../db/repositories/messageBatchRepository';
import { UserEventType } from '../../domain/userEvents';
import { registerUser } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { storedMatch } from '../support/matches';

/**
 * A chat flush writes its messages and its absent members' events through rows the
 * same statements update (the match's, the user's), so no key checks them again:
 * a key's check is a query and a row lock for every row stored, two fifths of a
 * flush's time in Postgres (loadtest/README.md). Postgres's own `auto_explain`,
 * loaded for this one connection, tells every statement's trigger calls back to
 * it as notices.
 */
describe('what a chat flush asks of Postgres for each row', function () {
  const suite = useTestCluster(1);

  it('stores the messages and the absent member’s events without a key check for each', async () => {
    const [a, b] = await Promise.all([registerUser(suite.nodes[0].url), registerUser(suite.nodes[0].url)]);
    const notices: string[] = [];
    const pool = new Pool({ connectionString: suite.cluster.env['DATABASE_URL']!, max: 1 });
    pool.on('connect', (client) => client.on('notice', (notice) => notices.push(notice.message ?? '')));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new PreparingPool(pool, () => undefined) }) });
    try {
      const matchId = await storedMatch(db, [a.userId, b.userId]);
      await sql`load 'auto_explain'`.execute(db);
      for (const setting of ['log_min_duration = 0', 'log_analyze = on', 'log_triggers = on', 'log_nested_statements = on', 'log_level = notice']) {
        await sql.raw(`set auto_explain.${setting}`).execute(db);
      }
      const messages = ['m1', 'm2'].map((clientMessageId) => ({ senderId: a.userId, clientMessageId, kind: 'text' as const, body: 'hi', mediaUrl: null, hidden: false }));
      const told = (seq: number) => ({ userId: b.userId, type: UserEventType.MESSAGE_RECEIVED, data: { matchId, seq, senderId: a.userId, kind: 'text' as const, preview: 'hi', unread: seq } });
      const outcomes = await storeThreadBatches(db, [{ matchId, expectedLastSeq: 0, messages, notify: [{ userId: b.userId, events: [told(1), told(2)] }] }]);
      assert.equal(outcomes[0]?.kind, 'stored');
      if (outcomes[0]?.kind === 'stored') {
        assert.deepEqual(outcomes[0].messages.map((m) => m.seq), [1, 2]);
        assert.deepEqual(outcomes[0].events.map((e) => [e.userId, e.seq]), [[b.userId, 1], [b.userId, 2]]);
      }
      const plans = notices.filter((n) => n.includes('insert into'));
      // The check below means something only if the plans of both inserts came back.
      assert.ok(plans.some((n) => n.includes('insert into messages')), 'the messages statement’s plan');
      assert.ok(plans.some((n) => n.includes('insert into stored_events')), 'the events statement’s plan');
      const keyChecks = plans.flatMap((n) => n.split('\n')).filter((line) => line.includes('Trigger for constraint'));
      assert.deepEqual(keyChecks, [], 'key checks the flush ran');
    } finally {
      await db.destroy();
    }
  });
});
