import type { ErasureAnnouncement } from '../db/repositories/accountErasureRepository';
import { clearErasureAnnouncement, findErasure, listOwedErasureAnnouncements } from '../db/repositories/erasureAnnouncementRepository';
import { announceAccountDeleted, type ModerationDeps } from './moderation';

/** How many owed erasure announcements one retention round tells. */
export const OWED_ERASURES_PER_ROUND = 100;

/**
 * Tells the cluster of an erasure that committed, then marks it told. If a part failed it
 * throws, and the erasure stays owed: told again, whole, by the next retention round or a
 * retry of `DELETE /me` (each part does no harm twice).
 */
export async function announceErasure(deps: ModerationDeps, userId: string, announcement: ErasureAnnouncement): Promise<void> {
  await announceAccountDeleted(deps, userId, announcement);
  await clearErasureAnnouncement(deps.db, userId);
}

/**
 * `DELETE /me` for an account already erased (its answer was lost, or the node that erased it
 * stopped or failed before the cluster was told, so its tokens still work): tells what is still
 * owed. False when the account is not erased.
 */
export async function announceErasureAgain(deps: ModerationDeps, userId: string): Promise<boolean> {
  const erasure = await findErasure(deps.db, userId);
  if (!erasure) return false;
  if (erasure.owed) await announceErasure(deps, userId, erasure.owed);
  return true;
}

/** What a round of owed announcements did: how many were told, and those that failed again. */
export interface OwedErasuresTold {
  readonly told: number;
  readonly failures: ReadonlyArray<{ readonly userId: string; readonly error: unknown }>;
}

/** The retention round's part: tells each owed erasure, one failing not keeping the others from it. */
export async function announceOwedErasures(deps: ModerationDeps, limit = OWED_ERASURES_PER_ROUND): Promise<OwedErasuresTold> {
  let told = 0;
  const failures: Array<{ userId: string; error: unknown }> = [];
  for (const { userId, announcement } of await listOwedErasureAnnouncements(deps.db, limit)) {
    try {
      await announceErasure(deps, userId, announcement);
      told++;
    } catch (error) {
      failures.push({ userId, error }); // logged by the round, with the account
    }
  }
  return { told, failures };
}
