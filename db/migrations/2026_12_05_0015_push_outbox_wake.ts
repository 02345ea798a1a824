import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// Rows added to the push outbox wake every node's worker at once: a statement that
// inserted any notifies the channel when its transaction commits (Postgres sends one
// notification per channel and transaction), so workers need not read the outbox
// ten times a second to find them. A statement that inserted none (an event for a
// user without devices) notifies nobody.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create function push_outbox_wake() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from inserted) then perform pg_notify('kismet_push_outbox', ''); end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger push_outbox_wake after insert on push_outbox
    referencing new table as inserted for each statement execute function push_outbox_wake()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger push_outbox_wake on push_outbox`.execute(db);
  await sql`drop function push_outbox_wake()`.execute(db);
}
