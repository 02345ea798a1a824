import { addColleague, listColleaguePlaces, removeColleague, type MembershipChange } from '../db/repositories/threadMemberRepository';
import { AppError, ErrorCode } from '../domain/errors';
import type { ThreadMember } from '../domain/threadColleagues';
import type { ModerationDeps } from './moderation';

/**
 * Colleagues in hiring threads, from whichever node took the request: the change
 * is stored first (under the match's lock, so it never races the thread's own
 * writes), then the thread's actor, wherever it lives, hears it on the bus and
 * takes it through its writer, and everyone's sessions get their stored events.
 */
export async function addThreadColleague(
  deps: Pick<ModerationDeps, 'db' | 'userEvents' | 'threadSignals'> & { now(): Date },
  input: { readonly matchId: string; readonly callerId: string; readonly colleagueId: string },
): Promise<ThreadMember[]> {
  const change = await addColleague(deps.db, { ...input, at: deps.now() });
  const members = settled(change);
  await deps.threadSignals.publish(input.matchId, { kind: 'member.added', userId: input.colleagueId });
  await publishEvents(deps, change);
  return members;
}

/**
 * The thread's actor, wherever it lives, told of a removal before it commits, under the match's
 * lock: it closes the colleague's connections and holds them out until storage says whether they
 * are still in (threadMembership.ts `depart`), so nothing said in the thread after the removal is
 * stored reaches them, however late the bus would have brought the word after it. Said again
 * once stored.
 */
const toldBeforeCommit = (deps: Pick<ModerationDeps, 'threadSignals'>, matchId: string, userId: string) => () =>
  deps.threadSignals.publishApplied(matchId, { kind: 'member.removed', userId });

/** A colleague taken out of a hiring thread by its job's owner, or leaving on their own. */
export async function removeThreadColleague(
  deps: Pick<ModerationDeps, 'db' | 'userEvents' | 'threadSignals'>,
  input: { readonly matchId: string; readonly callerId: string; readonly colleagueId: string },
): Promise<ThreadMember[]> {
  const change = await removeColleague(deps.db, input, toldBeforeCommit(deps, input.matchId, input.colleagueId));
  const members = settled(change);
  await deps.threadSignals.publish(input.matchId, { kind: 'member.removed', userId: input.colleagueId });
  await publishEvents(deps, change);
  return members;
}

/**
 * A recruiter who left their company leaves its hiring threads, each as if they
 * left it themselves, so a candidate's conversation is no longer theirs to read:
 * an ended thread's place too (quietly: it is closed for everyone). Each thread
 * is tried whatever befell the others; a failure is thrown once all were tried,
 * and a retry finishes the rest (a place already left is not listed).
 */
export async function leaveCompanyThreads(deps: Pick<ModerationDeps, 'db' | 'userEvents' | 'threadSignals'>, userId: string): Promise<number> {
  const places = await listColleaguePlaces(deps.db, userId);
  const failures: unknown[] = [];
  for (const matchId of places) {
    try {
      await leaveCompanyThread(deps, matchId, userId);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
  return places.length;
}

async function leaveCompanyThread(deps: Pick<ModerationDeps, 'db' | 'userEvents' | 'threadSignals'>, matchId: string, userId: string): Promise<void> {
  const change = await removeColleague(deps.db, { matchId, callerId: userId, colleagueId: userId, companyExit: true }, toldBeforeCommit(deps, matchId, userId));
  if (change.kind === 'refused') {
    // Their place went meanwhile (they left, or were taken out): nothing is left to do.
    if (change.refusal.code === ErrorCode.MATCH_NOT_FOUND) return;
    throw new AppError(change.refusal.code, change.refusal.message);
  }
  if (change.threadOpen) await deps.threadSignals.publish(matchId, { kind: 'member.removed', userId });
  await publishEvents(deps, change);
}

function settled(change: MembershipChange): ThreadMember[] {
  if (change.kind === 'refused') throw new AppError(change.refusal.code, change.refusal.message);
  return change.members;
}

async function publishEvents(deps: Pick<ModerationDeps, 'userEvents'>, change: MembershipChange): Promise<void> {
  if (change.kind !== 'changed') return;
  await Promise.all(change.events.map((event) => deps.userEvents.publish(event.userId, { kind: 'stored', event })));
}
