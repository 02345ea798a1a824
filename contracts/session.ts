import { z } from 'zod';
import type { PresenceStatus } from '../domain/presence';
import { UserEventType, type UserEventBody } from '../domain/userEvents';
import { CommandRef, READY_COMMAND, ReadyCommand, Uuid } from './common';
import { SESSION_ROOM, SessionEventType } from './messageTypes';

export { SESSION_ROOM, SessionEventType };
import { CallCommands } from './calls';
import { DeckCommand } from './deck';

/** Options of `joinOrCreate('session', ...)`: the caller's own user id and a stable id of this device. */
export const SessionJoinOptions = z.strictObject({
  userId: Uuid,
  deviceId: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'deviceId: 1–64 of A–Z a–z 0–9 . _ : -'),
});
export type SessionJoinOptions = z.infer<typeof SessionJoinOptions>;

/** Commands a device sends to its session, by message type. */
export const SessionCommands = {
  /** The message sent on joining, again (see READY_COMMAND). */
  [READY_COMMAND]: ReadyCommand,
  heartbeat: z.strictObject({ ref: CommandRef }),
  'presence.set': z.strictObject({ ref: CommandRef, status: z.enum(['online', 'away']) }),
  /** A swipe from one of the user's cards on another card. */
  swipe: z.strictObject({
    ref: CommandRef,
    fromCardId: Uuid,
    toCardId: Uuid,
    action: z.enum(['like', 'pass', 'superlike']),
  }),
  /** Undoes the most recent swipe if it was a pass (premium). */
  rewind: z.strictObject({ ref: CommandRef }),
  'location.update': z.strictObject({
    ref: CommandRef,
    lat: z.number().min(-90).max(90),
    lng: z.number().min(-180).max(180),
  }),
  /** Reads a card, as `as` (a card of the caller's own: a person card sees a profile, a job a candidate it reaches, domain/jobReach.ts); its owner hears of the view (`profile.viewed`). */
  'profile.view': z.strictObject({ ref: CommandRef, cardId: Uuid, as: Uuid.optional() }),
  /** This device has every event up to and including `seq`. */
  /** A deck for one of the user's cards, built by the lobby and cached by the session (deckContracts). */
  deck: DeckCommand,
  'events.ack': z.strictObject({ ref: CommandRef, seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
  ...CallCommands,
} as const;
export type SessionCommandType = keyof typeof SessionCommands;

export interface HeartbeatResult {
  readonly serverTime: number;
}

export interface PresenceSetResult {
  readonly presence: PresenceStatus;
}

export interface SwipeResult {
  readonly action: 'like' | 'pass' | 'superlike';
  readonly matched: boolean;
  /** The match (and chat thread) id when the pair is mutual. */
  readonly matchId: string | null;
  /** True when this pair was swiped before: the answer is the first swipe's. */
  readonly repeated: boolean;
  /** Likes left today; null for premium accounts. */
  readonly likesLeft: number | null;
}

export interface RewindResult {
  readonly fromCardId: string;
  readonly toCardId: string;
}

export interface LocationUpdateResult {
  readonly h3Cell: string;
}

export interface EventsAckResult {
  readonly ackedSeq: number;
}

/**
 * An event of the user's stream (`event` message). Stored events carry their
 * per-user `seq` and stay until acknowledged; ephemeral ones (`presence.changed`)
 * have `seq: null` and go only to devices online at the time.
 */
export type UserEventMessage = UserEventBody & {
  readonly seq: number | null;
  readonly at: number;
};

export { UserEventType };
export type { UserEventData, MatchCreatedData, MatchEndedData, LikeReceivedData, ProfileViewedData, PresenceChangedData, ThreadReadData, EventStartingData, QuestCompletedData, LevelUpData } from '../domain/userEvents';

export interface DeviceInfo {
  readonly deviceId: string;
  readonly connectedAt: number;
}

export interface SessionReadyMessage {
  readonly userId: string;
  readonly deviceId: string;
  readonly presence: PresenceStatus;
  readonly devices: readonly DeviceInfo[];
  /** Which node holds the actor, for operators and tests. */
  readonly node: string;
  /** The newest sequence of the user's event stream when this device joined. */
  readonly latestSeq: number;
  /** The H3 cell of the user's last location: the lobby the session places them in. */
  readonly cell: string | null;
}

export interface DevicesChangedMessage {
  readonly devices: readonly DeviceInfo[];
}
