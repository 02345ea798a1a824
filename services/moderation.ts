import type { Kysely } from 'kysely';
import { listMatchIds, type MatchesEnded } from '../db/repositories/matchRepository';
import { deletePushTargetsOfUser } from '../db/repositories/pushTargetRepository';
import type { Database } from '../db/types';
import { endCallsOfMatches, type CallSettling } from './calls';
import { WITHDRAWALS_TOPIC, type ThreadSignalBus, type UserEventBus, type WithdrawalBus } from './topicBus';

/**
 * Telling the cluster about a moderation decision already stored: every node's
 * actors of the people concerned hear it at once (bans, shadow-bans, blocks,
 * unmatches), whichever route or operator made it.
 */
export interface ModerationDeps extends CallSettling {
  readonly db: Kysely<Database>;
  readonly userEvents: UserEventBus;
  readonly threadSignals: ThreadSignalBus;
  readonly withdrawals: WithdrawalBus;
  /** Refuses an account's access tokens on every node at once. */
  readonly revocations: { revokeUser(userId: string): Promise<void> };
}

/**
 * A ban, once stored (so nothing closed here can join again): the account's
 * access tokens stop working, its devices' push targets go, every connection
 * goes, on every node, and a call it is in ends for the other person too.
 */
export async function announceBan(deps: ModerationDeps, userId: string): Promise<void> {
  // No device of a banned account is pushed anything again (pushes already queued are withheld at delivery).
  await deletePushTargetsOfUser(deps.db, userId);
  await deps.revocations.revokeUser(userId);
  await deps.userEvents.publish(userId, { kind: 'revoked' });
  const matchIds = await listMatchIds(deps.db, userId);
  await Promise.all(matchIds.map((matchId) => deps.threadSignals.publish(matchId, { kind: 'revoked', userId })));
  await endCallsOfMatches(deps, matchIds, 'account_banned');
}

/**
 * A shadow-ban set or lifted, once stored (so an actor starting now reads it):
 * the account's live session and threads hear it. Resolves once they were told.
 */
export async function announceStanding(deps: ModerationDeps, userId: string, shadowBanned: boolean): Promise<void> {
  const matchIds = await listMatchIds(deps.db, userId);
  await Promise.all([
    deps.userEvents.publish(userId, { kind: 'standing', shadowBanned }),
    ...matchIds.map((matchId) => deps.threadSignals.publish(matchId, { kind: 'standing', userId, shadowBanned })),
  ]);
}

/** A banned or shadow-banned account's cards leave every deck in the cluster, cached ones included. */
export function withdrawOwner(deps: Pick<ModerationDeps, 'withdrawals'>, userId: string): Promise<void> {
  return deps.withdrawals.publishApplied(WITHDRAWALS_TOPIC, { kind: 'owner', userId });
}

/** Matches ended (unmatch, block): their threads close wherever they run, their calls end, every member's sessions hear it. */
export async function announceMatchesEnded(deps: ModerationDeps, outcome: MatchesEnded, code: 'UNMATCHED' | 'BLOCKED' | 'ACCOUNT_DELETED'): Promise<void> {
  for (const match of outcome.ended) deps.threadSignals.publish(match.matchId, { kind: 'closed', code });
  for (const event of outcome.events) deps.userEvents.publish(event.userId, { kind: 'stored', event });
  await endCallsOfMatches(deps, outcome.ended.map((m) => m.matchId));
}

/** A block, once stored: no deck built from here on shows either to the other, and cached decks drop them now. */
export async function announceBlock(deps: Pick<ModerationDeps, 'userEvents'>, blockerId: string, blockedId: string): Promise<void> {
  await Promise.all([
    deps.userEvents.publishApplied(blockerId, { kind: 'deck.exclude', userId: blockedId }),
    deps.userEvents.publishApplied(blockedId, { kind: 'deck.exclude', userId: blockerId }),
  ]);
}

/**
 * An account deleted, once stored: its access tokens stop working and its
 * devices are closed on every node, the hiring threads it was a colleague in let it go, its matches' threads close for the others
 * (`ACCOUNT_DELETED`) who hear `match.ended`, its calls end, its cards leave
 * every deck.
 */
export async function announceAccountDeleted(
  deps: ModerationDeps,
  userId: string,
  erased: { readonly ended: MatchesEnded; readonly matchIds: readonly string[]; readonly colleagueOf: readonly string[] },
): Promise<void> {
  await deps.revocations.revokeUser(userId);
  await deps.userEvents.publish(userId, { kind: 'revoked' });
  await Promise.all(erased.matchIds.map((matchId) => deps.threadSignals.publish(matchId, { kind: 'revoked', userId })));
  await Promise.all(erased.colleagueOf.map((matchId) => deps.threadSignals.publish(matchId, { kind: 'member.removed', userId })));
  await announceMatchesEnded(deps, erased.ended, 'ACCOUNT_DELETED');
  await withdrawOwner(deps, userId);
}
