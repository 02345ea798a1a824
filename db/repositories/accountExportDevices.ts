import { sql, type Transaction } from 'kysely';
import type { PushTarget } from '../../domain/push/notification';
import { shownPushAddress, type ShownPushAddress } from '../../domain/push/shownAddress';
import type { Database } from '../types';

/**
 * What an export holds of a person's log-ins, devices and stream of notices: each read whole
 * (as the export's other sections are), each kept small by its own rule: a session's tokens are
 * pruned one lifetime after they expire, the pushed devices are at most MAX_PUSH_DEVICES, the
 * devices' cursors at most MAX_DEVICE_CURSORS (and go once unseen for STORED_EVENT_RETENTION_DAYS),
 * and stored notices a device acknowledged go after STORED_EVENT_RETENTION_DAYS.
 */
export interface ExportedDevices {
  /** Each log-in session (refresh-token family): when it began, was last refreshed, expires, and was revoked (logged out), if it was. */
  readonly sessions: Array<{ sessionId: string; createdAt: string; lastRefreshedAt: string | null; expiresAt: string; revokedAt: string | null }>;
  /** Each device that acknowledged the person's event stream: up to which `seq`, and when it last did. */
  readonly devices: Array<{ deviceId: string; ackedSeq: number; lastSeenAt: string }>;
  /** Notices stored for them, as a device is sent them; `acknowledged` false for those no device has acknowledged yet. */
  readonly notices: Array<{ seq: number; type: string; data: unknown; at: string; acknowledged: boolean }>;
  /** Devices registered for pushes, where pushes are kept (null before their table exists): `updatedAt` is when it was registered (last). */
  readonly pushDevices: Array<{ deviceId: string; platform: string; address: ShownPushAddress; sessionId: string | null; updatedAt: string }> | null;
}

export async function exportDevices(tx: Transaction<Database>, userId: string, pushKept: boolean): Promise<ExportedDevices> {
  // Never a token's hash: a session is its family's id (the `sid` of its access tokens) and its times.
  const sessions = await tx
    .selectFrom('refresh_tokens')
    .select((eb) => [
      'family_id',
      eb.fn.min('created_at').as('created_at'),
      eb.fn.max('used_at').as('last_refreshed_at'),
      eb.fn.max('expires_at').as('expires_at'),
      eb.fn.max('revoked_at').as('revoked_at'),
    ])
    .where('user_id', '=', userId)
    .groupBy('family_id')
    .orderBy(sql`min(created_at)`)
    .orderBy('family_id')
    .execute();
  const devices = await tx.selectFrom('device_cursors').select(['device_id', 'acked_seq', 'last_seen_at']).where('user_id', '=', userId).orderBy('device_id').execute();
  const notices = await tx.selectFrom('stored_events').select(['seq', 'type', 'payload', 'created_at']).where('user_id', '=', userId).orderBy('seq').execute();
  const pushDevices = pushKept
    ? (await sql<{ device_id: string; platform: string; target: PushTarget; session_id: string | null; updated_at: Date }>`
        select device_id, platform, target, session_id, updated_at from push_targets where user_id = ${userId} order by device_id`.execute(tx)).rows
    : null;
  // What every device leaves behind is what retention may delete: the furthest acknowledgement.
  const acknowledged = Math.max(0, ...devices.map((d) => Number(d.acked_seq)));
  return {
    sessions: sessions.map((s) => ({
      sessionId: s.family_id,
      createdAt: s.created_at.toISOString(),
      lastRefreshedAt: s.last_refreshed_at?.toISOString() ?? null,
      expiresAt: s.expires_at.toISOString(),
      revokedAt: s.revoked_at?.toISOString() ?? null,
    })),
    devices: devices.map((d) => ({ deviceId: d.device_id, ackedSeq: Number(d.acked_seq), lastSeenAt: d.last_seen_at.toISOString() })),
    notices: notices.map((n) => ({ seq: Number(n.seq), type: n.type, data: n.payload, at: n.created_at.toISOString(), acknowledged: Number(n.seq) <= acknowledged })),
    pushDevices:
      pushDevices?.map((d) => ({
        deviceId: d.device_id,
        platform: d.platform,
        address: shownPushAddress(d.target),
        sessionId: d.session_id,
        updatedAt: d.updated_at.toISOString(),
      })) ?? null,
  };
}
