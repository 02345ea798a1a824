import { z } from 'zod';
import { Uuid } from './common';

const Time = z.string().describe('an ISO time');
const Sections = (item: Record<string, z.ZodType>) => z.array(z.looseObject(item));

/**
 * What `GET /me/export` answers, as the OpenAPI document declares it: every section, the sections
 * older than the document's detail loosely (PROTOCOL.md has each field), and the log-ins, devices
 * and notices whole, so a key that could carry a token or an address is not declared.
 */
export const AccountExportBody = z.looseObject({
  exportedAt: Time,
  profile: z.looseObject({ userId: Uuid, presence: z.string(), lastSeenAt: Time.nullable() }),
  preferences: z.looseObject({}).nullable(),
  cards: Sections({ id: Uuid }),
  swipes: Sections({ toCardId: Uuid }),
  matches: Sections({ matchId: Uuid }),
  messages: Sections({ matchId: Uuid }),
  reports: Sections({ reportId: Uuid }),
  blocks: Sections({ userId: Uuid }),
  progress: z
    .object({
      xp: z.number().int(),
      history: z.array(z.object({ action: z.string(), key: z.string(), xp: z.number().int(), day: z.string(), at: Time })),
      quests: z.array(z.object({ day: z.string(), questId: z.string(), count: z.number().int() })),
    })
    .nullable(),
  company: z.looseObject({ companyId: Uuid }).nullable(),
  liveEvents: z.object({
    registrations: Sections({ eventId: Uuid }),
    attendance: Sections({ eventId: Uuid }),
    hosted: Sections({ eventId: Uuid, title: z.string(), status: z.string() }),
    removals: Sections({ eventId: Uuid, at: Time }),
  }),
  calls: Sections({ callId: Uuid, joinedAt: Time.nullable(), leftAt: Time.nullable() }),
  readMarkers: z.array(z.object({ matchId: Uuid, lastReadSeq: z.number().int(), at: Time })),
  threadsLeft: z.array(z.object({ matchId: Uuid })),
  pushSettings: z.object({ previews: z.boolean() }),
  sessions: z.array(z.object({ sessionId: Uuid, createdAt: Time, lastRefreshedAt: Time.nullable(), expiresAt: Time, revokedAt: Time.nullable() })),
  devices: z.array(z.object({ deviceId: z.string(), ackedSeq: z.number().int(), lastSeenAt: Time })),
  notices: z.array(z.object({ seq: z.number().int(), type: z.string(), data: z.unknown(), at: Time, acknowledged: z.boolean() })),
  pushDevices: z
    .array(
      z.object({
        deviceId: z.string(),
        platform: z.enum(['webpush', 'fcm', 'apns']),
        address: z.object({ service: z.string(), endsWith: z.string() }).describe("the push service and the address's last characters, never the whole address"),
        sessionId: z.string().nullable(),
        updatedAt: Time,
      }),
    )
    .nullable(),
});
