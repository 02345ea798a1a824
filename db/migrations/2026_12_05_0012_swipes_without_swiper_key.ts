import type { Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// A swipe's swiper is the owner of its from card, and that card's key already ties the
// row to a live account (deleting the card deletes its swipes; erasure deletes the
// swiper's swipes by id). The swiper's own key checked a users row, and locked it, once
// for every swipe stored: the largest single cost of a swipe flush in Postgres.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('swipes').dropConstraint('swipes_swiper_id_fkey').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('swipes')
    .addForeignKeyConstraint('swipes_swiper_id_fkey', ['swiper_id'], 'users', ['id'])
    .onDelete('cascade')
    .execute();
}
