import { sql, type Kysely } from 'kysely';

// Frozen in time: never imports application types and never changes.
// The company a job card was posted for: its owner's company when it was created (null for a
// recruiter in none). Colleagues are added to its hiring threads from that company only, and
// the card is deactivated when its owner leaves it. Job cards posted before are taken to be their
// owner's company's now (null where the owner belongs to none).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table cards add column company_id uuid references companies (id) on delete set null`.execute(db);
  await sql`
    update cards c set company_id = cm.company_id
      from company_members cm
     where cm.user_id = c.owner_id and c.kind = 'job'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table cards drop column if exists company_id`.execute(db);
}
