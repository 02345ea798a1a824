import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// An erasure deletes a person's rows while it holds the swipes table (or the messages and
// attendance tables): each of its statements must reach them by index, not by reading the table.
// - refresh tokens, registrations, attendance and read markers by their user.
// - a sender's messages through the threads they wrote in: the threads they are a member of, and
//   those they left as a colleague, kept here from now on (and found once below for the past).
//   An index of messages by sender would cost every message stored; a colleague leaves rarely.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index refresh_tokens_by_user on refresh_tokens (user_id)`.execute(db);
  await sql`create index registrations_by_user on registrations (user_id)`.execute(db);
  await sql`create index attendance_by_user on attendance (user_id)`.execute(db);
  await sql`create index read_markers_by_user on read_markers (user_id)`.execute(db);
  await sql`
    create table colleague_departures (
      user_id uuid not null,
      match_id uuid not null,
      primary key (user_id, match_id)
    )`.execute(db);
  await sql`
    insert into colleague_departures (user_id, match_id)
    select distinct m.sender_id, m.match_id from messages m
     where not exists (select 1 from match_members mm where mm.match_id = m.match_id and mm.user_id = m.sender_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('colleague_departures').ifExists().execute();
  for (const name of ['read_markers_by_user', 'attendance_by_user', 'registrations_by_user', 'refresh_tokens_by_user']) {
    await db.schema.dropIndex(name).ifExists().execute();
  }
}
