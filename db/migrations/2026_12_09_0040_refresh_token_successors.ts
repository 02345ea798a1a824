import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// A spent refresh token names the token it was rotated into. A retry of a rotation whose answer
// was lost (the same spent token again, within a short grace) is told from a copy coming back by
// whether that successor was used since. No foreign key: the successor always outlives its
// predecessor (it expires later), and one would make every pruning delete look for referrers.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table refresh_tokens add column rotated_into uuid`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table refresh_tokens drop column if exists rotated_into`.execute(db);
}
