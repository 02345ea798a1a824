import { type Kysely, sql } from 'kysely';

// Frozen in time: never imports application types and never changes.
// - companies: a set of recruiter accounts, kept by operators (a recruiter belongs to one at most).
// - match_members.role: 'party' for the two matched people, 'colleague' for a recruiter the job's
//   owner added to a hiring thread (added_by: that owner).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('companies')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('company_members')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('company_id', 'uuid', (c) => c.notNull().references('companies.id').onDelete('cascade'))
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('company_members_company_idx').on('company_members').column('company_id').execute();

  await db.schema
    .alterTable('match_members')
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('party').check(sql`role in ('party', 'colleague')`))
    .execute();
  await db.schema.alterTable('match_members').addColumn('added_by', 'uuid', (c) => c.references('users.id').onDelete('set null')).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('match_members').where('role', '=', 'colleague').execute();
  await db.schema.alterTable('match_members').dropColumn('added_by').execute();
  await db.schema.alterTable('match_members').dropColumn('role').execute();
  await db.schema.dropTable('company_members').execute();
  await db.schema.dropTable('companies').execute();
}
