import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// A push target is reached only while the log-in session that registered it is live: the
// session id becomes the uuid it always was (a refresh-token family), so that the check joins
// refresh_tokens by index, and one that was no uuid (no session of Kismet's) is left null,
// which no session vouches for. The check finds a session's one unspent, unrevoked token
// through a partial index of those tokens alone, whatever the length of its spent chain.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table push_targets alter column session_id type uuid
    using case when session_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then session_id::uuid end`.execute(db);
  await sql`create index refresh_tokens_unspent on refresh_tokens (family_id) where used_at is null and revoked_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('refresh_tokens_unspent').ifExists().execute();
  await sql`alter table push_targets alter column session_id type text using session_id::text`.execute(db);
}
