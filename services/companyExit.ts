import { withdrawCards, type ModerationDeps } from './moderation';
import { leaveCompanyThreads } from './threadColleagues';

/**
 * A recruiter out of their company, once stored with the job cards they posted for it
 * deactivated: those cards leave every deck in the cluster as a card's deactivation does,
 * and the recruiter leaves the company's hiring threads they were a colleague in, their
 * connections to them closed (`leaveCompanyThreads`). Told again, it finishes what an
 * interrupted telling left (a thread already left is not listed).
 */
export async function announceCompanyExit(
  deps: Pick<ModerationDeps, 'db' | 'userEvents' | 'threadSignals' | 'withdrawals'>,
  userId: string,
  withdrawnCardIds: readonly string[],
): Promise<void> {
  await withdrawCards(deps, userId, withdrawnCardIds);
  await leaveCompanyThreads(deps, userId);
}
