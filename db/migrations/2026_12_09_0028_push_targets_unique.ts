import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// One device's push address (an FCM or APNs token, a Web Push endpoint) belongs to one
// account's device at a time: the app registers it again under whoever signs in next, and
// that registration takes it from the account before (db/repositories/pushTargetRepository).
// Of the rows already sharing an address, the one registered last is kept, so the index can
// be built. The address is hashed: an FCM token may be 4096 characters, past a btree entry.
// The table is locked first (SHARE ROW EXCLUSIVE: reads go on, registrations wait) so a node
// of the previous release cannot register a repeat between the clean-up and the index.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`lock table push_targets in share row exclusive mode`.execute(db);
  await sql`
    delete from push_targets t
     using (select user_id, device_id,
                   row_number() over (partition by platform, md5(coalesce(target->>'endpoint', target->>'token'))
                                      order by updated_at desc, user_id, device_id) as place
              from push_targets) r
     where t.user_id = r.user_id and t.device_id = r.device_id and r.place > 1`.execute(db);
  await sql`create unique index push_targets_address on push_targets (platform, md5(coalesce(target->>'endpoint', target->>'token')))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('push_targets_address').ifExists().execute();
}
