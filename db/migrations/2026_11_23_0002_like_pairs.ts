import { type Kysely, sql } from 'kysely';

// Frozen in time: never imports application types and never changes.
// One row per card pair that has seen a like. The upsert on it takes the row lock and
// sees the other side's committed like, so two likes racing on different nodes agree
// on which of them made the pair mutual: that one, and only it, creates the match.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('like_pairs')
    .addColumn('card_a_id', 'uuid', (c) => c.notNull().references('cards.id').onDelete('cascade'))
    .addColumn('card_b_id', 'uuid', (c) => c.notNull().references('cards.id').onDelete('cascade'))
    .addColumn('a_likes_b', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('b_likes_a', 'boolean', (c) => c.notNull().defaultTo(false))
    .addPrimaryKeyConstraint('like_pairs_pk', ['card_a_id', 'card_b_id'])
    .addCheckConstraint('like_pairs_ordered', sql`card_a_id < card_b_id`)
    .execute();

  // Likes received over the account's life: the figure free accounts see instead of who.
  await db.schema.alterTable('users').addColumn('likes_received', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('swipes_swiper_id_idx').on('swipes').columns(['swiper_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('swipes_swiper_id_idx').ifExists().execute();
  await db.schema.alterTable('users').dropColumn('likes_received').execute();
  await db.schema.dropTable('like_pairs').ifExists().execute();
}
