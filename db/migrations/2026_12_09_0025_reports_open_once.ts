import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// One open report per reporter, reported person and context (kind and id): a repeat
// while it is open is answered with it (`on conflict` on this index, its predicate
// written in words). Open repeats stored before are resolved as dismissed, with a note
// naming the report kept (the oldest), so the index can be built and no reason is lost.
// The table is locked first (SHARE ROW EXCLUSIVE: reads go on, reports wait) so a node of
// the previous release cannot file a repeat between the clean-up and the index.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`lock table reports in share row exclusive mode`.execute(db);
  await sql`
    update reports r
       set status = 'resolved', resolved_at = now(), resolution = 'dismiss',
           resolution_note = 'a repeat of report ' || k.kept_id || ', filed while it was open'
      from (select id, first_value(id) over (partition by reporter_id, reported_id, context_kind, coalesce(context_id, '')
                                                 order by created_at, id) as kept_id
              from reports where status = 'open') k
     where r.id = k.id and k.id <> k.kept_id`.execute(db);
  await sql`create unique index reports_open_once on reports (reporter_id, reported_id, context_kind, (coalesce(context_id, ''))) where status = 'open'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('reports_open_once').ifExists().execute();
}
