import { type Kysely, sql } from 'kysely';

// Frozen in time: never imports application types and never changes.
// At most one live call per match, found (and counted for the cluster's cap)
// through one small partial index; LiveKit webhook ids, so a replay changes nothing.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create unique index calls_live_per_match on calls (match_id) where state in ('ringing', 'accepted')`.execute(db);
  await db.schema
    .createTable('livekit_webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('livekit_webhooks').ifExists().execute();
  await db.schema.dropIndex('calls_live_per_match').ifExists().execute();
}
