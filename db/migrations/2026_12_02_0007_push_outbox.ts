import { type Kysely, sql } from 'kysely';

// Frozen in time: never imports application types and never changes.
// - push_targets: where each device of a user is reached when its app is closed (one per device),
//   with the log-in session that registered it, so logging that session out removes it.
// - push_outbox: one row per (stored event, device) to push, written in the transaction that
//   stores the event; workers lease due rows, deliver them and mark them done or dead.
// - users.push_previews: whether message text may appear in a push (off by default).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('push_previews', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
  await db.schema
    .createTable('push_targets')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull().check(sql`platform in ('webpush', 'fcm', 'apns')`))
    .addColumn('target', 'jsonb', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('push_targets_pkey', ['user_id', 'device_id'])
    .execute();
  await db.schema.createIndex('push_targets_session').on('push_targets').column('session_id').execute();
  await db.schema
    .createTable('push_outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('event_seq', 'bigint')
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addColumn('due_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('leased_until', 'timestamptz')
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending').check(sql`state in ('pending', 'done', 'skipped', 'dead')`))
    .addColumn('reason', 'text')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await sql`create index push_outbox_due on push_outbox (due_at, id) where state = 'pending'`.execute(db);
  await sql`create index push_outbox_finished on push_outbox (finished_at) where state <> 'pending'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('push_outbox').execute();
  await db.schema.dropTable('push_targets').execute();
  await db.schema.alterTable('users').dropColumn('push_previews').execute();
}
