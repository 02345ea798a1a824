import { type Kysely, sql } from 'kysely';

// Frozen in time: never imports application types and never changes.
// - reports: open until an operator resolves one, with the action taken and a note.
// - operator_audit: every operator action, append-only (a trigger refuses updates and deletes).
// - cards.photos: an ordered list of photo references (the bytes live with the app's storage provider).
// - users.verified: an operator verified the account; its cards, present and future, carry it.
// - users.deleted_at: an account its person deleted; its row stays, emptied, so others' threads keep their history.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('reports')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open', 'resolved')`))
    .execute();
  await db.schema.alterTable('reports').addColumn('resolved_at', 'timestamptz').execute();
  await db.schema.alterTable('reports').addColumn('resolution', 'text').execute();
  await db.schema.alterTable('reports').addColumn('resolution_note', 'text').execute();
  await db.schema.createIndex('reports_open_reported_idx').on('reports').columns(['status', 'reported_id']).execute();

  await db.schema
    .createTable('operator_audit')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_kind', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await sql`create function operator_audit_append_only() returns trigger language plpgsql as $$
    begin raise exception 'operator_audit is append-only'; end $$`.execute(db);
  await sql`create trigger operator_audit_append_only before update or delete on operator_audit
    for each row execute function operator_audit_append_only()`.execute(db);

  await db.schema.alterTable('cards').addColumn('photos', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`)).execute();
  await db.schema.alterTable('users').addColumn('verified', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
  await db.schema.alterTable('users').addColumn('deleted_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('deleted_at').execute();
  await db.schema.alterTable('users').dropColumn('verified').execute();
  await db.schema.alterTable('cards').dropColumn('photos').execute();
  await db.schema.dropTable('operator_audit').execute();
  await sql`drop function operator_audit_append_only()`.execute(db);
  await db.schema.dropIndex('reports_open_reported_idx').execute();
  for (const column of ['resolution_note', 'resolution', 'resolved_at', 'status']) {
    await db.schema.alterTable('reports').dropColumn(column).execute();
  }
}
