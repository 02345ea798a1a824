import { randomUUID } from 'node:crypto';
import { findCallOnMatch, findCallPeer, startCall } from '../../db/repositories/callRepository';
import { findThreadAccess } from '../../db/repositories/threadRepository';
import { decideCallStart, decideCallToken, endOwedByMatch, RING_TIMEOUT_MS, type Call, type CallEvent, type CallMedia } from '../../domain/callState';
import { AppError, ErrorCode } from '../../domain/errors';
import { UserEventType } from '../../domain/userEvents';
import type { CallAcceptedData, CallIncomingData, CallMediaAccess, CallStarted } from '../../contracts/calls';
import { applyCallEvent, type CallServices } from '../../services/calls';

/** The call commands of one user's session. */
export class CallDesk {
  /** Made at the first call: most sessions never call (and there is one session per connected user). */
  private ringTimers: Map<string, NodeJS.Timeout> | undefined;

  constructor(
    private readonly services: CallServices,
    private readonly userId: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  async start(matchId: string, media: CallMedia): Promise<CallStarted> {
    const { db } = this.services;
    const [access, calleeId] = await Promise.all([findThreadAccess(db, matchId, this.userId), findCallPeer(db, matchId, this.userId)]);
    const decision = decideCallStart({
      isMember: access?.isMember === true && calleeId !== undefined,
      matchStatus: access?.status,
      blocked: access?.blockedEitherWay === true,
      callerBlocked: access?.callerBlocked === true,
      // The lines of both people and the cap are checked where the call is stored, under one lock.
      callInProgress: false,
      callerOnCall: false,
      calleeOnAnsweredCall: false,
      activeCalls: 0,
      maxActiveCalls: 1,
    });
    if (decision.kind === 'refused') throw new AppError(decision.code, decision.message);
    const id = randomUUID();
    const outcome = await startCall(db, {
      id,
      matchId,
      callerId: this.userId,
      calleeId: calleeId as string,
      media,
      liveKitRoom: `call-${id}`,
      at: this.services.now(),
      maxActive: this.services.calls.maxActive,
      callerShadowBanned: access?.callerShadowBanned === true,
    });
    if (outcome.kind === 'refused') throw new AppError(outcome.code, outcome.message);
    const call = outcome.call;
    this.services.metrics.callsStarted.inc();
    const incoming: CallIncomingData = { callId: call.id, matchId, callerId: this.userId, media };
    // A shadow-banned caller's call rings nobody, and goes on to be missed like any unanswered one.
    if (!access?.callerShadowBanned) {
      await this.services.userEvents.publish(call.calleeId, { kind: 'ephemeral', type: UserEventType.CALL_INCOMING, data: { ...incoming } });
    }
    this.ringTimers ??= new Map();
    this.ringTimers.set(
      call.id,
      setTimeout(() => {
        this.ringTimers?.delete(call.id);
        this.act(call.id, { kind: 'tick' }).catch(this.onError);
      }, RING_TIMEOUT_MS + 50),
    );
    return { callId: call.id, state: 'ringing' };
  }

  async accept(callId: string): Promise<CallMediaAccess> {
    const call = await this.act(callId, { kind: 'accept', by: this.userId });
    if (call.state !== 'accepted') throw new AppError(ErrorCode.CALL_OVER, `the call is over (${call.state})`);
    // The room exists before the caller hears the answer and joins, with the timeouts that end an abandoned call.
    await this.services.calls.roomControl?.open(call.liveKitRoom);
    const answered: CallAcceptedData = { callId };
    // The caller starts media; the callee's other devices stop ringing.
    await Promise.all(
      [call.callerId, call.calleeId].map((userId) =>
        this.services.userEvents.publish(userId, { kind: 'ephemeral', type: UserEventType.CALL_ACCEPTED, data: { ...answered } }),
      ),
    );
    return this.mediaAccess(call);
  }

  async act(callId: string, event: CallEvent): Promise<Call> {
    const found = await findCallOnMatch(this.services.db, callId);
    const call = found?.call;
    if (!call || (call.callerId !== this.userId && call.calleeId !== this.userId)) throw new AppError(ErrorCode.CALL_NOT_FOUND, 'no such call');
    const { db, userEvents, now, metrics, calls } = this.services;
    const settling = { db, userEvents, now, metrics, mediaRooms: calls.roomControl };
    // A live call on a match that ended is ended first: it is neither answered nor given media (CALL_OVER).
    const owed = endOwedByMatch(call, found.matchStatus);
    const current = owed ? await applyCallEvent(settling, call, owed) : call;
    const next = await applyCallEvent(settling, current, event);
    if (next.state !== 'ringing' && this.ringTimers?.has(callId)) {
      clearTimeout(this.ringTimers.get(callId));
      this.ringTimers.delete(callId);
    }
    return next;
  }

  async token(callId: string): Promise<CallMediaAccess> {
    // A tick first: a ringing call past its time is missed, and answers CALL_OVER like any ended call.
    const call = await this.act(callId, { kind: 'tick' });
    const refusal = decideCallToken(call.state);
    if (refusal) throw new AppError(refusal.code, refusal.message);
    return this.mediaAccess(call);
  }

  /** The session is going: its ring timers go with it (a later event or start finds the call missed). */
  close(): void {
    this.ringTimers?.forEach((timer) => clearTimeout(timer));
    this.ringTimers = undefined;
  }

  private async mediaAccess(call: Call): Promise<CallMediaAccess> {
    const token = await this.services.calls.tokens.mint(call.liveKitRoom, this.userId, 'call');
    return { callId: call.id, liveKitUrl: this.services.calls.liveKitUrl, room: call.liveKitRoom, token };
  }
}
