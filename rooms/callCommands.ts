import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { findCall, findCallPeer, findLiveCallOfMatch, saveCallTransition, startCall } from '../db/repositories/callRepository';
import { appendUserEvents } from '../db/repositories/eventRepository';
import { isShadowBanned } from '../db/repositories/userRepository';
import { findThreadAccess } from '../db/repositories/messageRepository';
import type { Database } from '../db/types';
import { decideCallStart, decideCallToken, nextCallState, RING_TIMEOUT_MS, type Call, type CallEvent, type CallMedia } from '../domain/callState';
import { AppError, ErrorCode } from '../domain/errors';
import type { MediaRole } from '../domain/mediaRoles';
import { UserEventType } from '../domain/userEvents';
import type { CallAcceptedData, CallEndedData, CallIncomingData, CallMediaAccess, CallStarted } from './contracts/callContracts';
import type { NodeMetrics } from '../server/metrics';
import type { UserEventBus } from './topicBus';

/** Mints media tokens; LiveKit's in production (server/livekit), the same with the development key locally. */
export interface MediaTokenIssuer {
  mint(room: string, identity: string, role: MediaRole): Promise<string>;
}

/**
 * Acts on people already in a LiveKit room, where a token alone would take effect only
 * on their next join; absent on the development key, where no media server is assumed.
 * Best effort: a failure is logged, never thrown, so moderation and hang-ups go on.
 */
export interface MediaRoomControl {
  setRole(room: string, identity: string, role: MediaRole): Promise<void>;
  muteAll(room: string, identity: string): Promise<void>;
  remove(room: string, identity: string): Promise<void>;
  /** Disconnects everyone and closes the room. */
  close(room: string): Promise<void>;
}

export interface CallServices {
  readonly db: Kysely<Database>;
  readonly metrics: NodeMetrics;
  readonly userEvents: UserEventBus;
  readonly now: () => Date;
  readonly calls: {
    readonly tokens: MediaTokenIssuer;
    readonly liveKitUrl: string;
    readonly maxActive: number;
    readonly roomControl?: MediaRoomControl | undefined;
  };
}

/** What settling a call needs: storage, the users' buses, the clock, and the media server where there is one. */
export type CallSettling = Pick<CallServices, 'db' | 'userEvents' | 'now' | 'metrics'> & { readonly mediaRooms?: MediaRoomControl | undefined };

/**
 * Tells both people a call is over: stored, so a device offline now sees the missed
 * or declined call later. A call that never rang (a shadow-banned caller) ends for the caller alone.
 */
export async function announceCallEnd(services: CallSettling, call: Call): Promise<void> {
  services.metrics.callsEnded.inc({ state: call.state });
  const data: CallEndedData = { callId: call.id, matchId: call.matchId, state: call.state, reason: call.endReason ?? call.state };
  const rang = call.acceptedAt !== null || !(await isShadowBanned(services.db, call.callerId));
  for (const userId of rang ? [call.callerId, call.calleeId] : [call.callerId]) {
    const [event] = await appendUserEvents(services.db, userId, [{ userId, type: UserEventType.CALL_ENDED, data: { ...data } }]);
    if (event) await services.userEvents.publish(userId, { kind: 'stored', event });
  }
}

/**
 * Applies one event to a call and stores it, if the call is still as it was
 * read: of two devices answering at once, one wins and the other is refused.
 */
export async function applyCallEvent(services: CallSettling, call: Call, event: CallEvent): Promise<Call> {
  const transition = nextCallState(call, event, services.now().getTime());
  if (transition.kind === 'refused') throw new AppError(transition.code, transition.message);
  if (transition.kind === 'unchanged') return call;
  if (!(await saveCallTransition(services.db, call, transition.call))) {
    const now = await findCall(services.db, call.id);
    if (now && now.state !== call.state && event.kind !== 'tick') return applyCallEvent(services, now, event);
    return now ?? call;
  }
  if (transition.call.state !== 'accepted') await announceCallEnd(services, transition.call);
  // An answered call ended here (hang-up, unmatch, block, ban): its media stops now, not when both leave.
  if (call.state === 'accepted' && transition.call.state !== 'accepted' && event.kind !== 'room_finished') {
    await services.mediaRooms?.close(call.liveKitRoom);
  }
  return transition.call;
}

/** Ends the live call of each match, on whatever node it was started: the match ended (unmatch, block) or a member was banned. */
export async function endCallsOfMatches(services: CallSettling, matchIds: readonly string[], why: 'match_ended' | 'account_banned' = 'match_ended'): Promise<void> {
  for (const matchId of matchIds) {
    const call = await findLiveCallOfMatch(services.db, matchId);
    if (call) await applyCallEvent(services, call, { kind: why });
  }
}

/** The call commands of one user's session. */
export class CallDesk {
  private readonly ringTimers = new Map<string, NodeJS.Timeout>();

  private readonly settling: CallSettling;

  constructor(
    private readonly services: CallServices,
    private readonly userId: string,
    private readonly onError: (error: unknown) => void,
  ) {
    this.settling = { ...services, mediaRooms: services.calls.roomControl };
  }

  async start(matchId: string, media: CallMedia): Promise<CallStarted> {
    const { db } = this.services;
    const [access, calleeId] = await Promise.all([findThreadAccess(db, matchId, this.userId), findCallPeer(db, matchId, this.userId)]);
    const decision = decideCallStart({
      isMember: access?.isMember === true && calleeId !== undefined,
      matchStatus: access?.status,
      blocked: access?.blockedEitherWay === true,
      callInProgress: false, // checked, with the cap, where the call is stored
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
    });
    if (outcome.kind === 'in_progress') throw new AppError(ErrorCode.CALL_IN_PROGRESS, 'a call between you is already ringing or on');
    if (outcome.kind === 'cap_reached') throw new AppError(ErrorCode.CALL_CAP_REACHED, 'too many calls right now; try again shortly');
    const call = outcome.call;
    this.services.metrics.callsStarted.inc();
    const incoming: CallIncomingData = { callId: call.id, matchId, callerId: this.userId, media };
    // A shadow-banned caller's call rings nobody, and goes on to be missed like any unanswered one.
    if (!access?.callerShadowBanned) {
      await this.services.userEvents.publish(call.calleeId, { kind: 'ephemeral', type: UserEventType.CALL_INCOMING, data: { ...incoming } });
    }
    this.ringTimers.set(
      call.id,
      setTimeout(() => {
        this.ringTimers.delete(call.id);
        this.act(call.id, { kind: 'tick' }).catch(this.onError);
      }, RING_TIMEOUT_MS + 50),
    );
    return { callId: call.id, state: 'ringing' };
  }

  async accept(callId: string): Promise<CallMediaAccess> {
    const call = await this.act(callId, { kind: 'accept', by: this.userId });
    if (call.state !== 'accepted') throw new AppError(ErrorCode.CALL_OVER, `the call is over (${call.state})`);
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
    const call = await findCall(this.services.db, callId);
    if (!call || (call.callerId !== this.userId && call.calleeId !== this.userId)) throw new AppError(ErrorCode.CALL_NOT_FOUND, 'no such call');
    const next = await applyCallEvent(this.settling, call, event);
    if (next.state !== 'ringing') {
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
    for (const timer of this.ringTimers.values()) clearTimeout(timer);
    this.ringTimers.clear();
  }

  private async mediaAccess(call: Call): Promise<CallMediaAccess> {
    const token = await this.services.calls.tokens.mint(call.liveKitRoom, this.userId, 'call');
    return { callId: call.id, liveKitUrl: this.services.calls.liveKitUrl, room: call.liveKitRoom, token };
  }
}
