import { type Kysely, sql } from 'kysely';

// Frozen in time: never imports application types and never changes.
// - progress_ledger: one row per counted action of a user (its key names the action: a match,
//   a thread's first message, a swipe, an event attended), so an action counts once however
//   often it is retried or reported, by whichever node.
// - user_progress: the running XP total.
// - quest_progress: counts of each daily quest, per UTC day.
// - stored_events_created_at: the retention job finds old events by age.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('progress_ledger')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('action_key', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('xp', 'integer', (c) => c.notNull())
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('progress_ledger_pk', ['user_id', 'action_key'])
    .execute();
  await db.schema
    .createTable('user_progress')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('xp', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('quest_progress')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('quest_id', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('quest_progress_pk', ['user_id', 'day', 'quest_id'])
    .execute();
  await db.schema.createIndex('stored_events_created_at').on('stored_events').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('stored_events_created_at').execute();
  await db.schema.dropTable('quest_progress').execute();
  await db.schema.dropTable('user_progress').execute();
  await db.schema.dropTable('progress_ledger').execute();
}
