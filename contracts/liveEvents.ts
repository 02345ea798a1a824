import { z } from 'zod';
import { BREAKOUT_MAX_S, BREAKOUT_MIN_S, MAX_EVENT_LENGTH_MS, MAX_SLOW_MODE_S, MIN_EVENT_LENGTH_MS } from '../domain/liveEventRules';
import { CommandRef, READY_COMMAND, ReadyCommand, Uuid } from './common';

/** Room name of the live event actor, `event:<eventId>`. */
export const LIVE_EVENT_ROOM = 'event';

export const LiveEventJoinOptions = z.strictObject({ eventId: Uuid });

/**
 * How an attendee is named inside an event (services/eventAliases.ts): 22
 * characters of base64url, the same all through the event, another in each
 * event, never their user id. Every message the event sends names people so,
 * and the commands that name someone take it.
 */
export const EventAlias = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'an attendee’s alias in this event');

const Target = z.strictObject({ ref: CommandRef, alias: EventAlias });

export const LiveEventCommands = {
  /** The message sent on joining, again (see READY_COMMAND). */
  [READY_COMMAND]: ReadyCommand,
  'hand.raise': z.strictObject({ ref: CommandRef }),
  'hand.lower': z.strictObject({ ref: CommandRef }),
  /** Hosts: bring someone on stage (they get a publishing token) or take them off it. */
  promote: Target,
  demote: Target,
  /** Hosts: take someone out of the event. */
  remove: Target,
  /** Hosts: mute someone's published tracks (they may unmute; demote to stop them publishing). */
  mute: Target,
  /** Hosts: a timed 1:1 interview with one attendee in a LiveKit room of its own; both come back when it ends. */
  breakout: z.strictObject({ ref: CommandRef, alias: EventAlias, durationS: z.number().int().min(BREAKOUT_MIN_S).max(BREAKOUT_MAX_S) }),
  /** A message to everyone in the event (subject to slow mode). */
  say: z.strictObject({ ref: CommandRef, text: z.string().trim().min(1).max(500) }),
  /** Hosts: at most one message per attendee per `seconds` (0 turns it off). */
  'slow.mode': z.strictObject({ ref: CommandRef, seconds: z.number().int().min(0).max(MAX_SLOW_MODE_S) }),
} as const;

export const LiveEventMessageType = {
  READY: 'event.ready',
  /** The hand-raise queue, in order, whenever it changes. */
  HANDS: 'hands',
  /** To one attendee: their role changed, with a token for it. */
  ROLE: 'role',
  /** To the two people of a breakout: its room and a token for it, and when it ends. */
  BREAKOUT: 'breakout',
  /** To the same two when it ended: back to the main room, with a token for it. */
  BREAKOUT_ENDED: 'breakout.ended',
  /** An event chat message, to everyone. */
  CHAT: 'chat',
  /** To one attendee: a host muted them. */
  MUTED: 'muted',
  /** Slow mode changed, to everyone. */
  SLOW_MODE: 'slow.mode',
} as const;

export interface BreakoutMessage {
  readonly room: string;
  readonly token: string;
  readonly endsAt: number;
}

export interface EventChatMessage {
  /** The speaker's alias. */
  readonly alias: string;
  readonly text: string;
  readonly at: number;
}

export interface LiveEventReady {
  readonly eventId: string;
  readonly role: 'host' | 'speaker' | 'audience';
  /** The attendee's own alias here: how the event's messages (and its media room) name them. */
  readonly alias: string;
  readonly liveKitUrl: string;
  readonly room: string;
  readonly token: string;
  /** Aliases, in the order raised. */
  readonly hands: readonly string[];
}

/** To a muted attendee: the host who muted them, by alias. */
export interface MutedMessage {
  readonly by: string;
}

/** A host's `breakout`, answered. */
export interface BreakoutStarted {
  readonly alias: string;
  readonly room: string;
  readonly endsAt: number;
}

export interface RoleMessage {
  readonly role: 'speaker' | 'audience';
  readonly token: string;
}

/** `POST /events`: a live hiring event for one of the recruiter's job cards. */
export const CreateLiveEventBody = z
  .strictObject({
    jobCardId: Uuid,
    title: z.string().trim().min(1).max(120),
    startsAt: z.iso.datetime(),
    endsAt: z.iso.datetime(),
    capacity: z.number().int().min(1).max(100_000),
  })
  .refine((b) => Date.parse(b.startsAt) < Date.parse(b.endsAt), { message: 'startsAt must be before endsAt', path: ['startsAt'] })
  .refine((b) => Date.parse(b.endsAt) - Date.parse(b.startsAt) >= MIN_EVENT_LENGTH_MS, {
    message: `an event lasts at least ${MIN_EVENT_LENGTH_MS / 60_000} minutes`,
    path: ['endsAt'],
  })
  .refine((b) => Date.parse(b.endsAt) - Date.parse(b.startsAt) <= MAX_EVENT_LENGTH_MS, {
    message: `an event lasts at most ${MAX_EVENT_LENGTH_MS / 3_600_000} hours`,
    path: ['endsAt'],
  });
