import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// When a card's own location was last set: a job's deck is built where the job is, so a
// job moves no faster than a person does, measured from here. A job placed before this
// counts as placed at its last edit.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table cards add column located_at timestamptz`.execute(db);
  await sql`update cards set located_at = updated_at where lat is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table cards drop column if exists located_at`.execute(db);
}
