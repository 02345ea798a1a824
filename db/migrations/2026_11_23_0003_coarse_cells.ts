import { type Kysely, sql } from 'kysely';
import { cellToParent, getResolution } from 'h3-js';

// Frozen in time: never imports application types and never changes.
// Cards are indexed by a second, coarser cell (three resolutions up), so a
// search over a long distance reads tens of coarse cells, not thousands of fine ones;
// and the accounts decks hide get an index of their own.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('cards').addColumn('h3_coarse', 'text').execute();
  const located = await db.selectFrom('cards').select(['id', 'h3_cell']).where('h3_cell', 'is not', null).execute();
  for (const row of located as Array<{ id: string; h3_cell: string }>) {
    const coarse = cellToParent(row.h3_cell, Math.max(0, getResolution(row.h3_cell) - 3));
    await db.updateTable('cards').set({ h3_coarse: coarse }).where('id', '=', row.id).execute();
  }
  await db.schema.createIndex('cards_coarse_idx').on('cards').columns(['h3_coarse', 'kind']).where(sql.ref('active'), '=', true).execute();
  // The few accounts decks hide (banned, shadow-banned), so a deck checks a short list instead of joining every owner.
  await sql`create index users_hidden_idx on users (id) where status <> 'active' or shadow_banned`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('users_hidden_idx').ifExists().execute();
  await db.schema.dropIndex('cards_coarse_idx').ifExists().execute();
  await db.schema.alterTable('cards').dropColumn('h3_coarse').execute();
}
