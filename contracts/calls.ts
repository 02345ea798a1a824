import { z } from 'zod';
import { CommandRef, Uuid } from './common';

/** Session commands of 1:1 calls. */
export const CallCommands = {
  /** Rings the other member of a match on every device they have online. */
  'call.start': z.strictObject({ ref: CommandRef, matchId: Uuid, media: z.enum(['audio', 'video']).default('audio') }),
  'call.accept': z.strictObject({ ref: CommandRef, callId: Uuid }),
  'call.decline': z.strictObject({ ref: CommandRef, callId: Uuid }),
  'call.cancel': z.strictObject({ ref: CommandRef, callId: Uuid }),
  /** Hangs up (or, while ringing, cancels or declines). */
  'call.end': z.strictObject({ ref: CommandRef, callId: Uuid }),
  /** A fresh media token for an accepted call (tokens are short-lived). */
  'call.token': z.strictObject({ ref: CommandRef, callId: Uuid }),
} as const;

export interface CallStarted {
  readonly callId: string;
  readonly state: 'ringing';
}

/** What a participant needs to join the call's media. */
export interface CallMediaAccess {
  readonly callId: string;
  readonly liveKitUrl: string;
  readonly room: string;
  readonly token: string;
}

export type { CallAcceptedData, CallEndedData, CallIncomingData } from '../domain/userEvents';
