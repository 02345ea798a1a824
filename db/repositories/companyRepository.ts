import type { Kysely, Transaction } from 'kysely';
import { postsJobs } from '../../domain/cardRules';
import type { ErrorCode } from '../../domain/errors';
import type { Database, UserRole } from '../types';
import { deactivateJobCards } from './cardRepository';
import { lockLiveAccount } from './userRepository';

type Db = Kysely<Database> | Transaction<Database>;

/** A company: a name and the recruiter accounts that are its members. */
export interface Company {
  readonly companyId: string;
  readonly name: string;
  readonly memberIds: string[];
}

export async function insertCompany(db: Db, input: { readonly id: string; readonly name: string; readonly at: Date }): Promise<void> {
  await db.insertInto('companies').values({ id: input.id, name: input.name, created_at: input.at }).execute();
}

/** A company with its members (by id); undefined when there is none. */
export async function findCompany(db: Db, companyId: string): Promise<Company | undefined> {
  const company = await db.selectFrom('companies').select(['id', 'name']).where('id', '=', companyId).executeTakeFirst();
  if (!company) return undefined;
  const members = await db.selectFrom('company_members').select('user_id').where('company_id', '=', companyId).orderBy('user_id').execute();
  return { companyId: company.id, name: company.name, memberIds: members.map((m) => m.user_id) };
}

/** The company a user belongs to, if any. */
export async function findCompanyOf(db: Db, userId: string): Promise<Company | undefined> {
  const row = await db.selectFrom('company_members').select('company_id').where('user_id', '=', userId).executeTakeFirst();
  return row && findCompany(db, row.company_id);
}

export type CompanyMemberOutcome = { readonly kind: 'added' | 'unchanged' } | { readonly kind: 'refused'; readonly code: ErrorCode; readonly message: string };

/**
 * Makes a recruiter account a member of a company; a member of it already is
 * left as is. Only recruiter accounts that are not deleted, and not in another company.
 */
export async function addCompanyMember(tx: Transaction<Database>, companyId: string, userId: string, at: Date): Promise<CompanyMemberOutcome> {
  // Not for update: a job card being posted for the company holds its row for key share (its reference).
  const company = await tx.selectFrom('companies').select('id').where('id', '=', companyId).forNoKeyUpdate().executeTakeFirst();
  if (!company) return { kind: 'refused', code: 'NOT_FOUND', message: 'no such company' };
  const user = await lockLiveAccount(tx, userId);
  if (!user) return { kind: 'refused', code: 'NOT_FOUND', message: 'no such account' };
  if (user.role !== 'recruiter') return { kind: 'refused', code: 'RECRUITER_ONLY', message: 'only recruiter accounts belong to a company' };
  const current = await tx.selectFrom('company_members').select('company_id').where('user_id', '=', userId).executeTakeFirst();
  if (current?.company_id === companyId) return { kind: 'unchanged' };
  if (current) return { kind: 'refused', code: 'ALREADY_IN_COMPANY', message: 'that account belongs to another company' };
  await tx.insertInto('company_members').values({ company_id: companyId, user_id: userId, added_at: at }).execute();
  return { kind: 'added' };
}

/**
 * Takes an account out of a company, and deactivates the job cards they posted for it: the
 * company's jobs are not theirs to show or staff once they left it. Undefined when they were
 * not a member of it; else the ids of the cards deactivated. The threads they were added to
 * are left after (services/threadColleagues.ts `leaveCompanyThreads`).
 */
export async function removeCompanyMember(tx: Transaction<Database>, companyId: string, userId: string): Promise<{ readonly withdrawnCardIds: string[] } | undefined> {
  const result = await tx.deleteFrom('company_members').where('company_id', '=', companyId).where('user_id', '=', userId).executeTakeFirst();
  if (result.numDeletedRows === 0n) return undefined;
  return { withdrawnCardIds: await deactivateJobCards(tx, userId, companyId) };
}

/**
 * An account's role about to become `role`, before it is stored, in the same transaction: one
 * that is no recruiter belongs to no company, so the account leaves its company, and the job cards
 * it posted for it are deactivated; one that posts no jobs keeps none active. The account's row is
 * locked first, as a card's creation locks it, so a job being posted meanwhile is deactivated too.
 * The ids of the cards deactivated; none for a recruiter.
 */
export async function leaveRecruiting(tx: Transaction<Database>, userId: string, role: UserRole): Promise<string[]> {
  if (role === 'recruiter') return [];
  // For no key update: a colleague's addition waiting on the membership below holds the row for key share.
  await tx.selectFrom('users').select('id').where('id', '=', userId).forNoKeyUpdate().executeTakeFirst();
  const left = await tx.deleteFrom('company_members').where('user_id', '=', userId).returning('company_id').executeTakeFirst();
  if (!postsJobs(role)) return deactivateJobCards(tx, userId);
  return left ? deactivateJobCards(tx, userId, left.company_id) : [];
}
