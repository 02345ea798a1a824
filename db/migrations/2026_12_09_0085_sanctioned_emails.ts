import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// What an erasure keeps of a banned or shadow-banned account: a keyed hash of its normalized
// email (never the address), which sanctions it had, the erased account's id (the handle a
// moderator lifts it by) and when it was erased. A registration with that email is refused
// (banned) or made shadow-banned.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table sanctioned_emails (
      email_key text primary key,
      banned boolean not null,
      shadow_banned boolean not null,
      user_id uuid not null,
      erased_at timestamptz not null,
      constraint sanctioned_emails_some check (banned or shadow_banned)
    )`.execute(db);
  await sql`create index sanctioned_emails_by_user on sanctioned_emails (user_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sanctioned_emails').ifExists().execute();
}
