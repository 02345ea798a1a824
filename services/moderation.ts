import type { Kysely, Transaction } from 'kysely';
import type { ErasureAnnouncement } from '../db/repositories/accountErasureRepository';
import { listMatchIds, listOpposedPairs, type EndedMatch, type MatchesEnded } from '../db/repositories/matchRepository';
import { deletePushTargetsOfUser } from '../db/repositories/pushTargetRepository';
import { revokeRefreshTokensOfUser } from '../db/repositories/refreshTokenRepository';
import type { Database } from '../db/types';
import type { ThreadEndCode } from '../domain/blockDisclosure';
import { endCallsOfMatches, type CallSettling } from './calls';
import { BLOCKS_TOPIC, WITHDRAWALS_TOPIC, type BlockBus, type ThreadSignalBus, type UserEventBus, type WithdrawalBus } from './topicBus';

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
  readonly blocks: BlockBus;
  /** Refuses an account's access tokens on every node at once. */
  readonly revocations: { revokeUser(userId: string): Promise<void> };
}

/**
 * A ban, in the transaction that stores it: every log-in session of the account
 * ends, so an unban brings back none of its refresh tokens (a stolen one included),
 * and its devices' push targets go with them: no device of a banned account is
 * pushed anything again (pushes already queued are withheld at delivery). A log-in
 * or refresh storing a session meanwhile holds the account's row, so the ban sees it.
 */
export async function endSessionsOfBanned(tx: Transaction<Database>, userId: string, at: Date): Promise<void> {
  await revokeRefreshTokensOfUser(tx, userId, at);
  await deletePushTargetsOfUser(tx, userId);
}

/**
 * A ban, once stored with its sessions ended (so nothing closed here can join
 * again): the account's access tokens stop working, every connection goes, on
 * every node, and a call it is in ends for the other person too.
 */
export async function announceBan(deps: ModerationDeps, userId: string): Promise<void> {
  await deps.revocations.revokeUser(userId);
  await deps.userEvents.publish(userId, { kind: 'revoked' });
  const matchIds = await listMatchIds(deps.db, userId);
  await Promise.all(matchIds.map((matchId) => deps.threadSignals.publish(matchId, { kind: 'revoked', userId })));
  await endCallsOfMatches(deps, matchIds, 'account_banned');
}

/**
 * A shadow-ban set or lifted, once stored (so an actor starting now reads it):
 * the account's live session and threads hear it, and the live events of every
 * node hide or show the person from then on, before this resolves (rooms/event/eventStandings.ts).
 */
export async function announceStanding(deps: ModerationDeps, userId: string, shadowBanned: boolean): Promise<void> {
  const matchIds = await listMatchIds(deps.db, userId);
  await Promise.all([
    deps.userEvents.publish(userId, { kind: 'standing', shadowBanned }),
    ...matchIds.map((matchId) => deps.threadSignals.publish(matchId, { kind: 'standing', userId, shadowBanned })),
    deps.blocks.publishApplied(BLOCKS_TOPIC, { kind: 'standing', userId, shadowBanned }),
  ]);
}

/**
 * Cards of `ownerId` deactivated (stored already) leave every deck in the cluster, cached ones
 * included, before this resolves, and the owner's own decks are built again on their next ask.
 */
export async function withdrawCards(deps: Pick<ModerationDeps, 'withdrawals' | 'userEvents'>, ownerId: string, cardIds: readonly string[]): Promise<void> {
  if (cardIds.length === 0) return;
  await Promise.all([
    ...cardIds.map((cardId) => deps.withdrawals.publishApplied(WITHDRAWALS_TOPIC, { kind: 'card', cardId })),
    deps.userEvents.publishApplied(ownerId, { kind: 'deck.invalidate' }),
  ]);
}

/** A banned or shadow-banned account's cards leave every deck in the cluster, cached ones included. */
export function withdrawOwner(deps: Pick<ModerationDeps, 'withdrawals'>, userId: string): Promise<void> {
  return deps.withdrawals.publishApplied(WITHDRAWALS_TOPIC, { kind: 'owner', userId });
}

/**
 * Matches ended (unmatch, block): their threads close wherever they run, their calls end, every member's sessions hear it.
 * A block's `blockerIds` are told it was one; everyone else hears an unmatch (domain/blockDisclosure.ts).
 */
export async function announceMatchesEnded(deps: ModerationDeps, outcome: MatchesEnded, code: ThreadEndCode, blockerIds: readonly string[] = []): Promise<void> {
  for (const match of outcome.ended) deps.threadSignals.publish(match.matchId, { kind: 'closed', code, blockerIds });
  for (const event of outcome.events) deps.userEvents.publish(event.userId, { kind: 'stored', event });
  await endCallsOfMatches(deps, outcome.ended.map((m) => m.matchId));
}

/**
 * A block, once stored, with the matches it ended: no deck built from here on shows
 * the two to each other, nor anyone those matches parted (`announceParted`), and
 * cached decks drop them now; a live event both are in hides them from each other now,
 * on whatever node it runs.
 */
export async function announceBlock(deps: Pick<ModerationDeps, 'db' | 'userEvents' | 'blocks'>, blockerId: string, blockedId: string, ended: readonly EndedMatch[]): Promise<void> {
  const parted = await listOpposedPairs(deps.db, ended.map((m) => m.matchId));
  await Promise.all([excludeEachOther(deps, [[blockerId, blockedId], ...parted]), deps.blocks.publishApplied(BLOCKS_TOPIC, { blockerId, blockedId })]);
}

/**
 * Matches ended by an unmatch, once stored: the people on their two sides part as
 * after a block (domain/cardVisibility.ts `formerMatch`). No deck built from here on
 * shows them to each other, and cached decks drop them now (a cached deck may lose
 * someone still matched elsewhere with the user until it is built again).
 */
export async function announceParted(deps: Pick<ModerationDeps, 'db' | 'userEvents'>, ended: readonly EndedMatch[]): Promise<void> {
  await excludeEachOther(deps, await listOpposedPairs(deps.db, ended.map((m) => m.matchId)));
}

/** Each pair leaves the other's decks, cached ones included, on every node before this resolves; a pair named twice goes once. */
async function excludeEachOther(deps: Pick<ModerationDeps, 'userEvents'>, pairs: ReadonlyArray<readonly [string, string]>): Promise<void> {
  const excluded = new Map(pairs.flatMap(([x, y]) => [[`${x}|${y}`, [x, y] as const], [`${y}|${x}`, [y, x] as const]]));
  await Promise.all([...excluded.values()].map(([userId, other]) => deps.userEvents.publishApplied(userId, { kind: 'deck.exclude', userId: other })));
}

/**
 * An account deleted, once stored: its access tokens stop working and its
 * devices are closed on every node, the hiring threads it was a colleague in let it go, its matches' threads close for the others
 * (`ACCOUNT_DELETED`) who hear `match.ended`, its calls end, its cards leave
 * every deck. Each part is tried whatever becomes of the others (a call's end
 * failing on Postgres does not keep the cards in decks); it throws if any failed,
 * once all were tried, and all may be told again (services/erasureAnnouncements.ts).
 */
export async function announceAccountDeleted(deps: ModerationDeps, userId: string, erased: ErasureAnnouncement): Promise<void> {
  const revoking = deps.revocations.revokeUser(userId);
  // Closed once the revocation is stored, so nothing closed joins again; closed all the same if
  // storing it failed (that failure is among those reported below).
  const closing = revoking.then(closeConnectionsOf, closeConnectionsOf);
  function closeConnectionsOf(): Promise<unknown> {
    return Promise.all([
      deps.userEvents.publish(userId, { kind: 'revoked' }),
      ...erased.matchIds.map((matchId) => deps.threadSignals.publish(matchId, { kind: 'revoked', userId })),
      ...erased.colleagueOf.map((matchId) => deps.threadSignals.publish(matchId, { kind: 'member.removed', userId })),
    ]);
  }
  const outcomes = await Promise.allSettled([revoking, closing, withdrawOwner(deps, userId), announceMatchesEnded(deps, erased.ended, 'ACCOUNT_DELETED')]);
  const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, 'telling the cluster of an account’s erasure failed in parts');
}
