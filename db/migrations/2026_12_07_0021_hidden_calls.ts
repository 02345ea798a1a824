import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// A shadow-banned caller's call rings nobody, so it is in nobody else's way: the one live call
// per match, and the cluster's count of live calls, leave it out. A constant default adds the
// column without rewriting the table.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('calls').addColumn('hidden', 'boolean', (c) => c.notNull().defaultTo(sql`false`)).execute();
  await db.schema.dropIndex('calls_live_per_match').execute();
  await sql`create unique index calls_live_per_match on calls (match_id) where state in ('ringing', 'accepted') and not hidden`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('calls_live_per_match').execute();
  // Live hidden calls could share a match with a visible one: they end as if unanswered.
  await sql`update calls set state = 'missed', ended_at = now(), end_reason = 'missed' where hidden and state in ('ringing', 'accepted')`.execute(db);
  await sql`create unique index calls_live_per_match on calls (match_id) where state in ('ringing', 'accepted')`.execute(db);
  await db.schema.alterTable('calls').dropColumn('hidden').execute();
}
