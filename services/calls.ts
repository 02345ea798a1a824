import type { Kysely } from 'kysely';
import { findCall, findLiveCallsOfMatch, saveCallTransition } from '../db/repositories/callRepository';
import { appendUserEvents } from '../db/repositories/eventRepository';
import type { Database } from '../db/types';
import { ANSWER_ON_ANOTHER_CALL, nextCallState, type Call, type CallEvent } from '../domain/callState';
import { AppError } from '../domain/errors';
import type { MediaRole } from '../domain/mediaRoles';
import { UserEventType } from '../domain/userEvents';
import type { CallEndedData } from '../contracts/calls';
import type { UserEventBus } from './topicBus';

/** The call figures a node keeps (server/metrics implements them). */
export interface CallMetrics {
  readonly callsStarted: { inc(): void };
  readonly callsEnded: { inc(labels: { state: string }): void };
}

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
  /**
   * Makes an answered call's room before its people join, with the timeouts of
   * CALL_MEDIA_ROOM: the media server then finishes a room nobody joined or everyone left.
   */
  open(room: string): Promise<void>;
  setRole(room: string, identity: string, role: MediaRole): Promise<void>;
  muteAll(room: string, identity: string): Promise<void>;
  remove(room: string, identity: string): Promise<void>;
  /** Disconnects everyone and closes the room. */
  close(room: string): Promise<void>;
}

export interface CallServices {
  readonly db: Kysely<Database>;
  readonly metrics: CallMetrics;
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
 * or declined call later. A call that never rang (a shadow-banned caller's) ends for the caller alone,
 * even when the ban was lifted or set meanwhile: the callee heard of it then or never.
 */
export async function announceCallEnd(services: CallSettling, call: Call): Promise<void> {
  services.metrics.callsEnded.inc({ state: call.state });
  const data: CallEndedData = { callId: call.id, matchId: call.matchId, state: call.state, reason: call.endReason ?? call.state };
  for (const userId of call.hidden ? [call.callerId] : [call.callerId, call.calleeId]) {
    const [event] = await appendUserEvents(services.db, userId, [{ userId, type: UserEventType.CALL_ENDED, data: { ...data } }]);
    if (event) await services.userEvents.publish(userId, { kind: 'stored', event });
  }
}

/**
 * Applies one event to a call and stores it, if the call is still as it was
 * read: of two devices answering at once, one wins and the other is refused.
 * An answer by someone on another call is refused (ALREADY_IN_CALL); the call rings on.
 */
export async function applyCallEvent(services: CallSettling, call: Call, event: CallEvent): Promise<Call> {
  const transition = nextCallState(call, event, services.now().getTime());
  if (transition.kind === 'refused') throw new AppError(transition.code, transition.message);
  if (transition.kind === 'unchanged') return call;
  const saved = await saveCallTransition(services.db, call, transition.call);
  if (saved === 'on_another_call') throw new AppError(ANSWER_ON_ANOTHER_CALL.code, ANSWER_ON_ANOTHER_CALL.message);
  if (saved === 'stale') {
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

/** Ends the live calls of each match, on whatever node they were started: the match ended (unmatch, block) or a member was banned. */
export async function endCallsOfMatches(services: CallSettling, matchIds: readonly string[], why: 'match_ended' | 'account_banned' = 'match_ended'): Promise<void> {
  for (const matchId of matchIds) {
    for (const call of await findLiveCallsOfMatch(services.db, matchId)) await applyCallEvent(services, call, { kind: why });
  }
}
