import { appendAudit } from '../db/repositories/auditRepository';
import { deactivateCard, findCardById } from '../db/repositories/cardRepository';
import { appendUserEvents, type StoredUserEvent } from '../db/repositories/eventRepository';
import { eraseMessageWithin, findMessage } from '../db/repositories/messageRepository';
import { findReportStatus, lockOpenReport, markReportResolved } from '../db/repositories/reportRepository';
import { setAccountVerified, updateAccount } from '../db/repositories/userRepository';
import { listMatchMemberIds } from '../db/repositories/matchRepository';
import { AppError, ErrorCode } from '../domain/errors';
import { UserEventType } from '../domain/userEvents';
import type { ResolutionAction } from '../contracts/moderation';
import { announceBan, announceStanding, endSessionsOfBanned, withdrawOwner, type ModerationDeps } from './moderation';
import { WITHDRAWALS_TOPIC } from './topicBus';
import { parseReportContext } from '../domain/reportContext';

/** What a resolution changed, to announce once it is stored. */
type Effect =
  | { kind: 'none' }
  | { kind: 'warned'; event: StoredUserEvent }
  | { kind: 'banned' }
  | { kind: 'shadow_banned' }
  | { kind: 'message_removed'; matchId: string; seq: number }
  | { kind: 'card_removed'; cardId: string };

const notApplicable = (message: string) => new AppError(ErrorCode.ACTION_NOT_APPLICABLE, message);

/**
 * Resolves an open report with an action and a note, in one transaction with
 * what the action stores and its audit entry; then tells the cluster (bans
 * close connections everywhere, a removed message leaves every open thread).
 * A refused action changes nothing, the report stays open.
 */
export async function resolveReport(
  deps: ModerationDeps,
  reportId: string,
  resolution: { readonly action: ResolutionAction; readonly note: string },
): Promise<{ reportId: string; reportedId: string; action: ResolutionAction }> {
  const at = deps.now();
  const { reportedId, effect } = await deps.db.transaction().execute(async (tx) => {
    const report = await lockOpenReport(tx, reportId);
    if (!report) {
      const status = await findReportStatus(tx, reportId);
      if (status === 'resolved') throw new AppError(ErrorCode.REPORT_RESOLVED, 'this report was resolved already');
      throw new AppError(ErrorCode.NOT_FOUND, 'no such report');
    }
    const target = report.reported_id;
    let effect: Effect = { kind: 'none' };
    switch (resolution.action) {
      case 'dismiss':
        break;
      case 'warn': {
        const [event] = await appendUserEvents(tx, target, [
          { userId: target, type: UserEventType.ACCOUNT_WARNED, data: { reportId, context: report.context_kind } },
        ]);
        effect = { kind: 'warned', event: event! };
        break;
      }
      case 'ban':
        await updateAccount(tx, target, { banned: true });
        await endSessionsOfBanned(tx, target, at);
        effect = { kind: 'banned' };
        break;
      case 'shadow_ban':
        await updateAccount(tx, target, { shadowBanned: true });
        effect = { kind: 'shadow_banned' };
        break;
      case 'remove_message': {
        const ref = report.context_kind === 'message' ? parseReportContext('message', report.context_id ?? '') : undefined;
        if (ref?.kind !== 'message') throw notApplicable('remove_message: the report names no message (<matchId>:<seq>)');
        const { matchId, seq } = ref;
        const message = await findMessage(tx, matchId, seq);
        if (!message || message.senderId !== target) throw notApplicable('remove_message: the reported person sent no such message');
        await eraseMessageWithin(tx, { matchId, seq, memberIds: await listMatchMemberIds(tx, matchId), at });
        effect = { kind: 'message_removed', matchId, seq };
        break;
      }
      case 'remove_card': {
        const ref = report.context_kind === 'profile' ? parseReportContext('profile', report.context_id ?? '') : undefined;
        const card = ref?.kind === 'profile' ? await findCardById(tx, ref.cardId) : undefined;
        if (!card || card.ownerId !== target) throw notApplicable('remove_card: the report names no card of the reported person');
        await deactivateCard(tx, card.id);
        effect = { kind: 'card_removed', cardId: card.id };
        break;
      }
    }
    await markReportResolved(tx, reportId, { action: resolution.action, note: resolution.note, at });
    // An action on the account itself is in the account's trail (`GET /admin/audit?targetId=<userId>`), beside
    // the operator route's; the others, under the report.
    const onAccount = effect.kind === 'warned' || effect.kind === 'banned' || effect.kind === 'shadow_banned';
    const action = `report.${resolution.action}`;
    if (onAccount) {
      await appendAudit(tx, { action, targetKind: 'user', targetId: target, detail: { reportId, note: resolution.note }, at });
    } else {
      const removed = effect.kind === 'message_removed' ? { matchId: effect.matchId, seq: effect.seq } : effect.kind === 'card_removed' ? { cardId: effect.cardId } : {};
      await appendAudit(tx, { action, targetKind: 'report', targetId: reportId, detail: { reportedId: target, note: resolution.note, ...removed }, at });
    }
    return { reportedId: target, effect };
  });
  await announce(deps, reportedId, effect);
  return { reportId, reportedId, action: resolution.action };
}

async function announce(deps: ModerationDeps, userId: string, effect: Effect): Promise<void> {
  switch (effect.kind) {
    case 'none':
      return;
    case 'warned':
      return deps.userEvents.publish(userId, { kind: 'stored', event: effect.event });
    case 'banned':
      await announceBan(deps, userId);
      return withdrawOwner(deps, userId);
    case 'shadow_banned':
      await announceStanding(deps, userId, true);
      return withdrawOwner(deps, userId);
    case 'message_removed':
      return deps.threadSignals.publish(effect.matchId, { kind: 'erased', seq: effect.seq });
    case 'card_removed':
      return deps.withdrawals.publishApplied(WITHDRAWALS_TOPIC, { kind: 'card', cardId: effect.cardId });
  }
}

/** Sets or clears `verified` on every card of an account, with its audit entry; false when there is no such account. */
export async function setVerified(deps: Pick<ModerationDeps, 'db' | 'now'>, userId: string, verified: boolean, note: string | undefined): Promise<boolean> {
  return deps.db.transaction().execute(async (tx) => {
    if (!(await setAccountVerified(tx, userId, verified))) return false;
    await appendAudit(tx, { action: verified ? 'user.verify' : 'user.unverify', targetKind: 'user', targetId: userId, detail: note ? { note } : {}, at: deps.now() });
    return true;
  });
}
