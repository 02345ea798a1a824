import type { MatchStatus } from './chatRules';
import { ErrorCode } from './errors';

/** A callee who has not answered within this long missed the call. */
export const RING_TIMEOUT_MS = 30_000;

/**
 * An answered call's media room, as Kismet asks the media server to make it: finished when
 * nobody joins it within the first figure (seconds), or everyone has left it for the
 * second. The call then ends (`room_finished`), so an answer that never reached media
 * (an app that crashed or lost its network) does not hold both people's lines.
 */
export const CALL_MEDIA_ROOM = { emptyTimeoutS: 60, departureTimeoutS: 20 } as const;

/** The simultaneous calls (ringing or accepted) the cluster takes unless configured. */
export const DEFAULT_MAX_ACTIVE_CALLS = 1_000;

export type CallState = 'ringing' | 'accepted' | 'ended' | 'declined' | 'missed' | 'cancelled';
export type CallMedia = 'audio' | 'video';
export type CallEndReason = 'declined' | 'missed' | 'cancelled' | 'hung_up' | 'room_finished' | 'match_ended' | 'account_banned';

export const ACTIVE_CALL_STATES: readonly CallState[] = ['ringing', 'accepted'];

export interface Call {
  readonly id: string;
  readonly matchId: string;
  readonly callerId: string;
  readonly calleeId: string;
  readonly media: CallMedia;
  readonly liveKitRoom: string;
  readonly state: CallState;
  readonly ringingAt: number;
  readonly acceptedAt: number | null;
  readonly endedAt: number | null;
  readonly endReason: CallEndReason | null;
  /** Started by a shadow-banned caller: it rings nobody and ends for its caller alone, whatever the ban becomes. */
  readonly hidden: boolean;
}

export type CallEvent =
  | { readonly kind: 'accept'; readonly by: string }
  | { readonly kind: 'decline'; readonly by: string }
  | { readonly kind: 'cancel'; readonly by: string }
  /** Either side leaves: hangs up an accepted call, or cancels/declines a ringing one. */
  | { readonly kind: 'hang_up'; readonly by: string }
  /** Time passed: a ringing call past its timeout is missed. */
  | { readonly kind: 'tick' }
  /** LiveKit says the room finished. */
  | { readonly kind: 'room_finished' }
  /** The match ended (unmatch or block). */
  | { readonly kind: 'match_ended' }
  /** One of the two was banned. */
  | { readonly kind: 'account_banned' };

export type CallTransition =
  | { readonly kind: 'changed'; readonly call: Call }
  | { readonly kind: 'unchanged'; readonly call: Call }
  | { readonly kind: 'refused'; readonly code: ErrorCode; readonly message: string };

export function isActive(state: CallState): boolean {
  return state === 'ringing' || state === 'accepted';
}

const refused = (code: ErrorCode, message: string): CallTransition => ({ kind: 'refused', code, message });

/**
 * Whether a member may have a media token for a call in this state: only while it
 * is answered. Every command on a call that has ended answers CALL_OVER.
 */
export function decideCallToken(state: CallState): { readonly code: ErrorCode; readonly message: string } | undefined {
  if (!isActive(state)) return { code: ErrorCode.CALL_OVER, message: `the call is over (${state})` };
  if (state !== 'accepted') return { code: ErrorCode.CALL_NOT_RINGING, message: `media is only for an answered call (${state})` };
  return undefined;
}

/**
 * The end a live call is owed when its match is no longer active: the match's end ends its
 * calls once it is stored, and a call that end missed (its node stopped first) ends as soon
 * as anything is done with it, before an answer or a media token is given.
 */
export function endOwedByMatch(call: Call, matchStatus: MatchStatus | undefined): CallEvent | undefined {
  return isActive(call.state) && matchStatus !== 'active' ? { kind: 'match_ended' } : undefined;
}

function end(call: Call, state: Exclude<CallState, 'ringing' | 'accepted'>, reason: CallEndReason, nowMs: number): CallTransition {
  return { kind: 'changed', call: { ...call, state, endedAt: nowMs, endReason: reason } };
}

/**
 * The next state of a call: `ringing → accepted → ended`, or `ringing →
 * declined | missed | cancelled`. Time is passed in: a ringing call is missed
 * once RING_TIMEOUT_MS have passed, whatever event finds it so.
 */
export function nextCallState(call: Call, event: CallEvent, nowMs: number): CallTransition {
  const participant = 'by' in event ? event.by === call.callerId || event.by === call.calleeId : true;
  if (!participant) return refused(ErrorCode.NOT_IN_CALL, 'only the two people in a call act on it');

  if (call.state === 'ringing' && nowMs - call.ringingAt >= RING_TIMEOUT_MS) return end(call, 'missed', 'missed', nowMs);
  if (event.kind === 'tick') return { kind: 'unchanged', call };

  if (!isActive(call.state)) {
    return event.kind === 'room_finished' || event.kind === 'match_ended' || event.kind === 'account_banned'
      ? { kind: 'unchanged', call }
      : refused(ErrorCode.CALL_OVER, `the call is over (${call.state})`);
  }
  switch (event.kind) {
    case 'accept':
      if (event.by !== call.calleeId) return refused(ErrorCode.NOT_THE_CALLEE, 'only the person called answers');
      if (call.state !== 'ringing') return refused(ErrorCode.CALL_NOT_RINGING, 'the call was already answered');
      return { kind: 'changed', call: { ...call, state: 'accepted', acceptedAt: nowMs } };
    case 'decline':
      if (event.by !== call.calleeId) return refused(ErrorCode.NOT_THE_CALLEE, 'only the person called declines');
      if (call.state !== 'ringing') return refused(ErrorCode.CALL_NOT_RINGING, 'the call was already answered');
      return end(call, 'declined', 'declined', nowMs);
    case 'cancel':
      if (event.by !== call.callerId) return refused(ErrorCode.NOT_THE_CALLER, 'only the caller cancels');
      if (call.state !== 'ringing') return refused(ErrorCode.CALL_NOT_RINGING, 'the call was already answered');
      return end(call, 'cancelled', 'cancelled', nowMs);
    case 'hang_up':
      if (call.state === 'accepted') return end(call, 'ended', 'hung_up', nowMs);
      return event.by === call.callerId ? end(call, 'cancelled', 'cancelled', nowMs) : end(call, 'declined', 'declined', nowMs);
    case 'room_finished':
      return call.state === 'accepted' ? end(call, 'ended', 'room_finished', nowMs) : end(call, 'cancelled', 'room_finished', nowMs);
    case 'match_ended':
    case 'account_banned':
      return call.state === 'accepted' ? end(call, 'ended', event.kind, nowMs) : end(call, 'cancelled', event.kind, nowMs);
  }
}

export type CallStartDecision = { readonly kind: 'start' } | { readonly kind: 'refused'; readonly code: ErrorCode; readonly message: string };

/**
 * The live calls around a new one, as its caller may know of them: read where calls are
 * stored, under the lock that serialises starts and answers (db/ callRepository).
 * A person is on one call at a time, like a phone line.
 */
export interface CallLines {
  /** The match has a live call the caller sees. */
  readonly callInProgress: boolean;
  /** The caller has another call on: one of their own that rings or was answered, or one they answered. A call ringing them leaves them free to call out. */
  readonly callerOnCall: boolean;
  /** The callee is on an answered call (a busy line); a call that never rang (hidden) never counts. */
  readonly calleeOnAnsweredCall: boolean;
  readonly activeCalls: number;
  readonly maxActiveCalls: number;
}

/** Whether the lines of both people and the cluster's cap leave room for the call; the match's own call first, the cap last. */
export function decideCallLines(input: CallLines): CallStartDecision {
  if (input.callInProgress) return { kind: 'refused', code: ErrorCode.CALL_IN_PROGRESS, message: 'a call between you is already ringing or on' };
  if (input.callerOnCall) return { kind: 'refused', code: ErrorCode.ALREADY_IN_CALL, message: 'you are in another call: end it first' };
  if (input.calleeOnAnsweredCall) return { kind: 'refused', code: ErrorCode.CALLEE_BUSY, message: 'they are on another call; try again later' };
  if (input.activeCalls >= input.maxActiveCalls) return { kind: 'refused', code: ErrorCode.CALL_CAP_REACHED, message: 'too many calls right now; try again shortly' };
  return { kind: 'start' };
}

/** Whether a member of a match may call the other now. */
export function decideCallStart(
  input: {
    readonly isMember: boolean;
    readonly matchStatus: 'active' | 'unmatched' | 'blocked' | undefined;
    readonly blocked: boolean;
    /** The caller made the block: only they are told it was one (domain/blockDisclosure.ts). */
    readonly callerBlocked: boolean;
  } & CallLines,
): CallStartDecision {
  if (!input.isMember || input.matchStatus === undefined) return { kind: 'refused', code: ErrorCode.NOT_A_MEMBER, message: 'only matched people call each other' };
  if ((input.blocked || input.matchStatus === 'blocked') && input.callerBlocked) return { kind: 'refused', code: ErrorCode.BLOCKED, message: 'you blocked them' };
  if (input.blocked || input.matchStatus !== 'active') return { kind: 'refused', code: ErrorCode.UNMATCHED, message: 'the match ended' };
  return decideCallLines(input);
}

/**
 * The refusal of an answer by someone already on an answered call, or whose own call still
 * rings someone: taking it would put them on two calls at once (a phone line takes one).
 */
export const ANSWER_ON_ANOTHER_CALL = { code: ErrorCode.ALREADY_IN_CALL, message: 'you are in another call: end or cancel it first' } as const;
