import { z } from 'zod';
import type { PresenceStatus } from '../../db/types';
import { CommandRef } from './common';

/** Room name of the session actor, `session:<userId>`. */
export const SESSION_ROOM = 'session';

/** Options of `joinOrCreate('session', ...)`: the caller's own user id and a stable id of this device. */
export const SessionJoinOptions = z.strictObject({
  userId: z.uuid(),
  deviceId: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'deviceId: 1–64 of A–Z a–z 0–9 . _ : -'),
});
export type SessionJoinOptions = z.infer<typeof SessionJoinOptions>;

/** Commands a device sends to its session, by message type. */
export const SessionCommands = {
  heartbeat: z.strictObject({ ref: CommandRef }),
  'presence.set': z.strictObject({ ref: CommandRef, status: z.enum(['online', 'away']) }),
} as const;
export type SessionCommandType = keyof typeof SessionCommands;

export interface HeartbeatResult {
  readonly serverTime: number;
}

export interface PresenceSetResult {
  readonly presence: PresenceStatus;
}

export interface DeviceInfo {
  readonly deviceId: string;
  readonly connectedAt: number;
}

/** Messages the session sends to its devices, by type. */
export const SessionEventType = {
  READY: 'session.ready',
  DEVICES_CHANGED: 'devices.changed',
} as const;

export interface SessionReadyMessage {
  readonly userId: string;
  readonly deviceId: string;
  readonly presence: PresenceStatus;
  readonly devices: readonly DeviceInfo[];
  /** Which node holds the actor, for operators and tests. */
  readonly node: string;
}

export interface DevicesChangedMessage {
  readonly devices: readonly DeviceInfo[];
}
