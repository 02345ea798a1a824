import { cellToLatLng, cellToParent, getResolution, latLngToCell } from 'h3-js';
import { type Kysely, sql } from 'kysely';

// Frozen in time: never imports application types and never changes.
// - users.located_at: when the location was last set, so a jump faster than anyone travels is refused.
// - event_removals: a host's removal outlives the connection it closed.
// - token_revocations: access tokens refused before they expire (log-out, reused refresh token, ban).
// - person cards no longer carry their owner's exact position: each moves to the centre of
//   the resolution-7 H3 cell that holds it, which is all that others may learn.
const PRIVACY_RESOLUTION = 7;
const BATCH = 500;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('located_at', 'timestamptz').execute();
  await db.schema
    .createTable('event_removals')
    .addColumn('event_id', 'uuid', (c) => c.notNull().references('events.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('removed_by', 'uuid', (c) => c.notNull())
    .addColumn('removed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('event_removals_pkey', ['event_id', 'user_id'])
    .execute();
  await db.schema
    .createTable('token_revocations')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('user', 'session')`))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('token_revocations_expires_at').on('token_revocations').column('expires_at').execute();

  for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
    const cards: Array<{ id: string; lat: number; lng: number; h3_cell: string | null }> = await db
      .selectFrom('cards')
      .select(['id', 'lat', 'lng', 'h3_cell'])
      .where('kind', '=', 'person')
      .where('lat', 'is not', null)
      .where('id', '>', after)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    for (const card of cards) {
      const [lat, lng] = cellToLatLng(latLngToCell(card.lat, card.lng, PRIVACY_RESOLUTION));
      // The discovery cells follow the point, at the resolution the card was indexed at.
      const resolution = card.h3_cell ? getResolution(card.h3_cell) : PRIVACY_RESOLUTION;
      const h3Cell = latLngToCell(lat, lng, resolution);
      const h3Coarse = cellToParent(h3Cell, Math.max(0, resolution - 3));
      await db.updateTable('cards').set({ lat, lng, h3_cell: h3Cell, h3_coarse: h3Coarse }).where('id', '=', card.id).execute();
    }
    if (cards.length < BATCH) break;
    after = cards[cards.length - 1]!.id;
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('token_revocations').execute();
  await db.schema.dropTable('event_removals').execute();
  await db.schema.alterTable('users').dropColumn('located_at').execute();
}
