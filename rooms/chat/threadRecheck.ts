import type { ThreadMember } from '../../contracts/chat';
import { threadEndOf, type ThreadEnd } from '../../domain/blockDisclosure';
import type { ThreadSignal } from '../../services/topicBus';
import { roomServices } from '../roomServices';

/** What a thread learns from storage after Redis trouble: closed, or who is hidden now and the signals it missed. */
export type ThreadRecheck =
  | { readonly closed: ThreadEnd }
  | { readonly closed?: undefined; readonly hiddenMemberIds: readonly string[]; readonly missed: readonly ThreadSignal[] };

/**
 * Signals published while Redis was away never came: the match is read again (ended
 * meanwhile, the thread closes), with its members and their standing. A colleague
 * storage no longer holds is let go and one it holds now is taken in; a connected
 * member banned or gone is revoked; a message an operator removed since
 * `missedSince` is told removed again.
 */
export async function recheckThread(matchId: string, members: readonly ThreadMember[], connected: readonly string[], missedSince: number): Promise<ThreadRecheck> {
  const services = roomServices();
  const thread = await services.threads.load(matchId);
  if (!thread || thread.status !== 'active') return { closed: threadEndOf(thread) };
  const stored = new Set(thread.members.map((m) => m.userId));
  const missed: ThreadSignal[] = members.filter((m) => m.role === 'colleague' && !stored.has(m.userId)).map((m) => ({ kind: 'member.removed', userId: m.userId }));
  const known = new Set(members.map((m) => m.userId));
  for (const m of thread.members) if (!known.has(m.userId)) missed.push({ kind: 'member.added', userId: m.userId });
  const [statuses, erased] = await Promise.all([Promise.all(connected.map((userId) => services.sessions.accountStatus(userId))), services.threads.erasedSince(matchId, missedSince)]);
  connected.forEach((userId, i) => statuses[i] !== 'active' && missed.push({ kind: 'revoked', userId }));
  for (const seq of erased) missed.push({ kind: 'erased', seq });
  return { hiddenMemberIds: thread.hiddenMemberIds, missed };
}
