import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// The id of the last swipe a person rewound: rewind allows one undo per swipe, and the
// mark must outlive the session that made it (swipe ids only grow, so a newer swipe has a larger id).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add column last_rewound_swipe_id bigint`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table users drop column if exists last_rewound_swipe_id`.execute(db);
}
