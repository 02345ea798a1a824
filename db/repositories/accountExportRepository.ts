import { sql, type Kysely } from 'kysely';
import { matchStatusSeenBy } from '../../domain/blockDisclosure';
import type { Database } from '../types';
import { cardFromRow } from './cardRepository';
import { exportActivity, type ExportedActivity } from './accountExportActivity';
import { exportDevices, type ExportedDevices } from './accountExportDevices';
import { presentOptionalTables } from './optionalTables';
import { matchBlockersSql } from './threadMemberRepository';
import { threadsWrittenIn } from './threadsWrittenIn';

/**
 * Everything a person's account holds about them, as `GET /me/export` answers it. Each section
 * is read whole; what is left out, and why, is in PROTOCOL.md (`GET /me/export`).
 */
export interface AccountExport extends ExportedActivity, ExportedDevices {
  readonly profile: {
    readonly userId: string;
    readonly email: string;
    readonly role: string;
    readonly isPremium: boolean;
    readonly verified: boolean;
    readonly location: { readonly lat: number; readonly lng: number; readonly at: string | null } | null;
    readonly createdAt: string;
    /** Their presence as last stored (`online`, `away`, `offline`), and when it changed to it (null before it ever did). */
    readonly presence: string;
    readonly lastSeenAt: string | null;
  };
  readonly preferences: Record<string, unknown> | null;
  readonly cards: ReturnType<typeof cardFromRow>[];
  readonly swipes: Array<{ fromCardId: string; toCardId: string; kind: string; at: string }>;
  /** `role`: 'party' in the person's own matches, 'colleague' in hiring threads they were added to. */
  readonly matches: Array<{ matchId: string; status: string; role: string; otherUserIds: string[]; createdAt: string; endedAt: string | null }>;
  readonly messages: Array<{ matchId: string; seq: number; kind: string; body: string | null; mediaUrl: string | null; at: string; deleted: boolean }>;
  readonly reports: Array<{ reportId: string; reportedId: string; context: string; contextId: string | null; reason: string; at: string; status: string }>;
  readonly blocks: Array<{ userId: string; at: string }>;
  /** The company the person is a recruiter of, if any. */
  readonly company: { readonly companyId: string; readonly name: string; readonly joinedAt: string } | null;
  /** Calls they made or received; `joinedAt` / `leftAt`: when they were in its media room, if they were. */
  readonly calls: Array<{
    callId: string; matchId: string; role: 'caller' | 'callee'; otherUserId: string; media: string; state: string;
    at: string; acceptedAt: string | null; endedAt: string | null; joinedAt: string | null; leftAt: string | null;
  }>;
  /** How far they read each thread they are in (a thread's `read`), and when they last moved the marker. */
  readonly readMarkers: Array<{ matchId: string; lastReadSeq: number; at: string }>;
  /** Hiring threads they left as a colleague (their messages there stay theirs, in `messages`). */
  readonly threadsLeft: Array<{ matchId: string }>;
  /** Their push settings (`PUT /me/push-settings`). */
  readonly pushSettings: { readonly previews: boolean };
}

/** A person's own data, read in one consistent snapshot; undefined when there is no such (undeleted) account. */
export function exportAccount(db: Kysely<Database>, userId: string): Promise<AccountExport | undefined> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (tx) => {
      const user = await tx.selectFrom('users').selectAll().where('id', '=', userId).where('deleted_at', 'is', null).executeTakeFirst();
      if (!user) return undefined;
      const prefs = await tx.selectFrom('preferences').selectAll().where('user_id', '=', userId).executeTakeFirst();
      const cards = await tx.selectFrom('cards').selectAll().where('owner_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      const swipes = await tx.selectFrom('swipes').select(['from_card_id', 'to_card_id', 'kind', 'created_at']).where('swiper_id', '=', userId).orderBy('id').execute();
      const matches = await tx
        .selectFrom('match_members as mine')
        .innerJoin('matches as m', 'm.id', 'mine.match_id')
        .select(['m.id', 'm.status', 'mine.role', 'm.created_at', 'm.ended_at'])
        .select(sql<boolean>`case when m.status = 'blocked' then ${userId}::text = any(${matchBlockersSql(sql.ref('m.id'))}) else false end`.as('viewer_blocked'))
        .where('mine.user_id', '=', userId)
        .orderBy('m.created_at')
        .execute();
      const others = matches.length === 0
        ? []
        : await tx.selectFrom('match_members').select(['match_id', 'user_id']).where('match_id', 'in', matches.map((m) => m.id)).where('user_id', '<>', userId).execute();
      const messages = await tx
        .selectFrom('messages')
        .select(['match_id', 'seq', 'kind', 'body', 'media_url', 'created_at', 'deleted_at'])
        .where('match_id', 'in', threadsWrittenIn(userId))
        .where('sender_id', '=', userId)
        .orderBy('created_at')
        .orderBy('seq')
        .execute();
      const reports = await tx.selectFrom('reports').selectAll().where('reporter_id', '=', userId).orderBy('created_at').execute();
      const kept = new Set(await presentOptionalTables(tx));
      const company = await tx
        .selectFrom('company_members as cm')
        .innerJoin('companies as c', 'c.id', 'cm.company_id')
        .select(['c.id', 'c.name', 'cm.added_at'])
        .where('cm.user_id', '=', userId)
        .executeTakeFirst();
      const blocks = await tx.selectFrom('blocks').select(['blocked_id', 'created_at']).where('blocker_id', '=', userId).orderBy('created_at').execute();
      const calls = await tx
        .selectFrom('calls')
        .leftJoin('call_participants as p', (join) => join.onRef('p.call_id', '=', 'calls.id').on('p.user_id', '=', userId))
        .select(['calls.id', 'calls.match_id', 'calls.caller_id', 'calls.callee_id', 'calls.media', 'calls.state', 'calls.created_at', 'calls.accepted_at', 'calls.ended_at'])
        .select(['p.joined_at', 'p.left_at'])
        // A hidden call (a shadow-banned caller's) is its caller's alone: it never rang the callee.
        .where((eb) => eb.or([eb('caller_id', '=', userId), eb.and([eb('callee_id', '=', userId), eb('hidden', '=', false)])]))
        .orderBy('calls.created_at')
        .execute();
      const readMarkers = await tx.selectFrom('read_markers').select(['match_id', 'last_read_seq', 'updated_at']).where('user_id', '=', userId).orderBy('match_id').execute();
      const threadsLeft = await tx.selectFrom('colleague_departures').select('match_id').where('user_id', '=', userId).orderBy('match_id').execute();
      const activity = await exportActivity(tx, userId, kept);
      const devices = await exportDevices(tx, userId, kept.has('push_targets'));
      return {
        profile: {
          userId: user.id,
          email: user.email,
          role: user.role,
          isPremium: user.is_premium,
          verified: user.verified,
          location: user.lat === null || user.lng === null ? null : { lat: user.lat, lng: user.lng, at: user.located_at?.toISOString() ?? null },
          createdAt: user.created_at.toISOString(),
          presence: user.presence,
          lastSeenAt: user.last_seen_at?.toISOString() ?? null,
        },
        preferences: prefs
          ? {
              maxDistanceKm: prefs.max_distance_km,
              ageMin: prefs.age_min,
              ageMax: prefs.age_max,
              salaryMin: prefs.salary_min,
              remoteOnly: prefs.remote_only,
              minExperienceYears: prefs.min_experience_years,
              workAuthorizations: prefs.work_authorizations,
              cardKind: prefs.card_kind,
            }
          : null,
        cards: cards.map(cardFromRow),
        swipes: swipes.map((s) => ({ fromCardId: s.from_card_id, toCardId: s.to_card_id, kind: s.kind, at: s.created_at.toISOString() })),
        matches: matches.map((m) => ({
          matchId: m.id,
          // A block is the blocker's to know: the person blocked finds an unmatch here too.
          status: matchStatusSeenBy(m.status, m.viewer_blocked),
          role: m.role,
          otherUserIds: others.filter((o) => o.match_id === m.id).map((o) => o.user_id).sort(),
          createdAt: m.created_at.toISOString(),
          endedAt: m.ended_at?.toISOString() ?? null,
        })),
        messages: messages.map((m) => ({
          matchId: m.match_id,
          seq: Number(m.seq),
          kind: m.kind,
          body: m.body,
          mediaUrl: m.media_url,
          at: m.created_at.toISOString(),
          deleted: m.deleted_at !== null,
        })),
        reports: reports.map((r) => ({
          reportId: r.id,
          reportedId: r.reported_id,
          context: r.context_kind,
          contextId: r.context_id,
          reason: r.reason,
          at: r.created_at.toISOString(),
          status: r.status,
        })),
        blocks: blocks.map((b) => ({ userId: b.blocked_id, at: b.created_at.toISOString() })),
        ...activity,
        company: company ? { companyId: company.id, name: company.name, joinedAt: company.added_at.toISOString() } : null,
        calls: calls.map((c) => ({
          callId: c.id,
          matchId: c.match_id,
          role: c.caller_id === userId ? 'caller' : 'callee',
          otherUserId: c.caller_id === userId ? c.callee_id : c.caller_id,
          media: c.media,
          state: c.state,
          at: c.created_at.toISOString(),
          acceptedAt: c.accepted_at?.toISOString() ?? null,
          endedAt: c.ended_at?.toISOString() ?? null,
          joinedAt: c.joined_at?.toISOString() ?? null,
          leftAt: c.left_at?.toISOString() ?? null,
        })),
        readMarkers: readMarkers.map((r) => ({ matchId: r.match_id, lastReadSeq: Number(r.last_read_seq), at: r.updated_at.toISOString() })),
        threadsLeft: threadsLeft.map((t) => ({ matchId: t.match_id })),
        pushSettings: { previews: user.push_previews },
        ...devices,
      };
    });
}
