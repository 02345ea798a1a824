import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../types';

type Db = Kysely<Database> | Transaction<Database>;

/** The key an email is kept under (server/auth/emailKeys.ts `sanctionedEmailKeys`): never the address. */
export type EmailKeyOf = (email: string) => string;

/** The sanctions an erased account had when it was erased, kept under its email's key. */
export interface EmailSanction {
  readonly banned: boolean;
  readonly shadowBanned: boolean;
  /** The erased account: the id a moderator lifts the sanctions by. */
  readonly userId: string;
}

/** The sanctions kept for an email's key, if an erased account with that email had any. */
export async function findEmailSanction(db: Db, emailKey: string): Promise<EmailSanction | undefined> {
  const row = await db.selectFrom('sanctioned_emails').select(['banned', 'shadow_banned', 'user_id']).where('email_key', '=', emailKey).executeTakeFirst();
  return row ? { banned: row.banned, shadowBanned: row.shadow_banned, userId: row.user_id } : undefined;
}

/**
 * What an erasure keeps of the account's standing, in its transaction: a banned or shadow-banned
 * account's sanctions under its email's key (replacing those of an earlier account with that email,
 * whose sanctions the erased one was made with); a clean account's erasure forgets any (a moderator
 * lifted the sanction the account was made with).
 */
export async function keepErasedStanding(
  tx: Transaction<Database>,
  erased: { readonly emailKey: string; readonly userId: string; readonly banned: boolean; readonly shadowBanned: boolean; readonly at: Date },
): Promise<void> {
  if (!erased.banned && !erased.shadowBanned) {
    await tx.deleteFrom('sanctioned_emails').where('email_key', '=', erased.emailKey).execute();
    return;
  }
  const row = { email_key: erased.emailKey, banned: erased.banned, shadow_banned: erased.shadowBanned, user_id: erased.userId, erased_at: erased.at };
  await tx
    .insertInto('sanctioned_emails')
    .values(row)
    .onConflict((oc) => oc.column('email_key').doUpdateSet({ banned: row.banned, shadow_banned: row.shadow_banned, user_id: row.user_id, erased_at: row.erased_at }))
    .execute();
}

/**
 * A moderator lifts the ban or shadow-ban an erased account left on its email (by the erased
 * account's id, `POST /admin/users/:id`); a row left with neither goes.
 */
export async function liftEmailSanctions(db: Db, userId: string, lifted: { readonly ban: boolean; readonly shadowBan: boolean }): Promise<void> {
  if (!lifted.ban && !lifted.shadowBan) return;
  let leaving = db.deleteFrom('sanctioned_emails').where('user_id', '=', userId);
  if (!lifted.ban) leaving = leaving.where('banned', '=', false);
  if (!lifted.shadowBan) leaving = leaving.where('shadow_banned', '=', false);
  await leaving.execute();
  await db
    .updateTable('sanctioned_emails')
    .set({ ...(lifted.ban ? { banned: false } : {}), ...(lifted.shadowBan ? { shadow_banned: false } : {}) })
    .where('user_id', '=', userId)
    .execute();
}
