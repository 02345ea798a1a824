import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// One open report per reporter and reported person, whatever its context: another report of
// the same person while it is open is answered with it (`on conflict` on this index, its
// predicate written in words), so registering for many events no longer gives one more open
// report per person per event. Open reports of a pair stored before are resolved as dismissed,
// but the oldest, with a note naming the report kept, so the index can be built and no reason
// is lost (the rows stay). The table is locked first (SHARE ROW EXCLUSIVE: reads go on, reports
// wait) so a node of the previous release cannot file one between the clean-up and the index.
// `reports_open_once` stays: a node of the previous release names it in its `on conflict`.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`lock table reports in share row exclusive mode`.execute(db);
  await sql`
    update reports r
       set status = 'resolved', resolved_at = now(), resolution = 'dismiss',
           resolution_note = 'another report of the same person, filed while report ' || k.kept_id || ' was open'
      from (select id, first_value(id) over (partition by reporter_id, reported_id order by created_at, id) as kept_id
              from reports where status = 'open') k
     where r.id = k.id and k.id <> k.kept_id`.execute(db);
  await sql`create unique index reports_open_per_pair on reports (reporter_id, reported_id) where status = 'open'`.execute(db);
}

// The reports it resolved stay resolved: their notes say which report was kept.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('reports_open_per_pair').ifExists().execute();
}
