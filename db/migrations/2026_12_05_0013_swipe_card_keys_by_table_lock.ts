import type { Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// A swipe's cards, and a like pair's, were checked by foreign keys: for every row stored,
// a query of its own and a row lock on each card, the largest share of a swipe flush's
// time in Postgres. Cards are deleted only by an account's erasure, which deletes their
// swipes and like pairs itself, having first locked the swipes table against every
// flush in flight (SHARE, which waits for them and holds off new ones); a flush stores
// only swipes whose cards exist when its statement starts.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('swipes').dropConstraint('swipes_from_card_id_fkey').execute();
  await db.schema.alterTable('swipes').dropConstraint('swipes_to_card_id_fkey').execute();
  await db.schema.alterTable('like_pairs').dropConstraint('like_pairs_card_a_id_fkey').execute();
  await db.schema.alterTable('like_pairs').dropConstraint('like_pairs_card_b_id_fkey').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const key = async (table: string, name: string, column: string) =>
    db.schema.alterTable(table).addForeignKeyConstraint(name, [column], 'cards', ['id']).onDelete('cascade').execute();
  await key('swipes', 'swipes_from_card_id_fkey', 'from_card_id');
  await key('swipes', 'swipes_to_card_id_fkey', 'to_card_id');
  await key('like_pairs', 'like_pairs_card_a_id_fkey', 'card_a_id');
  await key('like_pairs', 'like_pairs_card_b_id_fkey', 'card_b_id');
}
