import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// Each instance of an event's actor starts a generation of its seats: it sets the
// event's count to what it holds (none) and closes the attendance its predecessor
// left open. Seat claims, arrivals and departures carry the generation they were
// made in, and one of an older generation changes nothing.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table events add column seat_generation integer not null default 0`.execute(db);
  await sql`alter table attendance add column generation integer not null default 0`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table attendance drop column if exists generation`.execute(db);
  await sql`alter table events drop column if exists seat_generation`.execute(db);
}
