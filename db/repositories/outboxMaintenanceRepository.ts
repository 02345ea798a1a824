import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../types';
import { QUEUE_PLAN } from '../queuePlans';

type Db = Kysely<Database> | Transaction<Database>;

/** The outboxes, each with the column saying when its row was written. */
const OUTBOXES = { push_outbox: 'created_at', domain_event_outbox: 'occurred_at' } as const;
export type OutboxTable = keyof typeof OUTBOXES;

/** Deletes an outbox's finished rows older than the retention, at most `limit` at a time. */
export async function pruneFinishedOutboxRows(db: Db, table: OutboxTable, retentionMs: number, limit: number): Promise<number> {
  const result = await sql`${QUEUE_PLAN}
    delete from ${sql.table(table)} where id in (
      select id from ${sql.table(table)} where state <> 'pending' and finished_at < clock_timestamp() - ${retentionMs} * interval '1 millisecond' limit ${limit})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** An outbox's rows waiting and the age of the oldest (seconds). */
export async function outboxBacklog(db: Db, table: OutboxTable): Promise<{ depth: number; oldestAgeS: number }> {
  const row = await sql<{ depth: string; age: string | number | null }>`${QUEUE_PLAN}
    select count(*) as depth, extract(epoch from clock_timestamp() - min(${sql.ref(OUTBOXES[table])})) as age
      from ${sql.table(table)} where state = 'pending'`.execute(db);
  const r = row.rows[0];
  return { depth: Number(r?.depth ?? 0), oldestAgeS: Math.max(0, Number(r?.age ?? 0)) };
}
