import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// A colleague taken out of a hiring thread now loses the previews in their notices of its
// messages, and an erasure looks for a sender's previews in the thread members' streams only.
// Notices held by people no longer in their thread (colleagues removed before, and all
// colleagues when companies came) lose their previews here, once.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update stored_events e set payload = e.payload || '{"preview": ""}'::jsonb
     where e.type = 'message.received' and e.payload->>'preview' <> ''
       and not exists (select 1 from match_members mm where mm.match_id = (e.payload->>'matchId')::uuid and mm.user_id = e.user_id)`.execute(db);
}

// What was taken out cannot be put back.
export async function down(): Promise<void> {}
