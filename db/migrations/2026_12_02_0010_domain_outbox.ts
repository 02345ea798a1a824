import { type Kysely, sql } from 'kysely';

// Frozen in time: never imports application types and never changes.
// - domain_event_outbox: one row per domain event for the platform's bus (NATS JetStream),
//   written in the statement or transaction that stores the fact it reports, and only by nodes
//   that publish. Its id is the event's id: the message id JetStream de-duplicates a repeat by.
//   Workers lease due rows, publish them and mark them done (or dead after the last attempt).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('domain_event_outbox')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addColumn('due_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('leased_until', 'timestamptz')
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending').check(sql`state in ('pending', 'done', 'dead')`))
    .addColumn('reason', 'text')
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await sql`create index domain_event_outbox_due on domain_event_outbox (due_at, occurred_at) where state = 'pending'`.execute(db);
  await sql`create index domain_event_outbox_finished on domain_event_outbox (finished_at) where state <> 'pending'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('domain_event_outbox').execute();
}
