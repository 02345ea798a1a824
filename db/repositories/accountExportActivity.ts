import { sql, type Transaction } from 'kysely';
import type { Database } from '../types';
import type { OptionalPersonalTable } from './optionalTables';

/** What an export holds of a person's progress and live events, each read whole as the export's other sections are. */
export interface ExportedActivity {
  /**
   * Progress, where it is kept (null before its tables exist): the XP total, every action it
   * counted (`key` names what it was for: the match, the thread, the event, the account), and
   * each day's quest counts. The total is the history's XP plus that of the quests completed.
   */
  readonly progress: {
    readonly xp: number;
    readonly history: Array<{ action: string; key: string; xp: number; day: string; at: string }>;
    readonly quests: Array<{ day: string; questId: string; count: number }>;
  } | null;
  /**
   * Live events they host or hosted, registered for, were in the room of (each stay), and were
   * removed from by a host (who did it is left out: it is the host's act).
   */
  readonly liveEvents: {
    readonly registrations: Array<{ eventId: string; title: string; at: string }>;
    readonly attendance: Array<{ eventId: string; joinedAt: string; leftAt: string | null }>;
    readonly hosted: Array<{ eventId: string; title: string; jobCardId: string; startsAt: string; endsAt: string; capacity: number; status: string; createdAt: string }>;
    readonly removals: Array<{ eventId: string; at: string }>;
  };
}

export async function exportActivity(tx: Transaction<Database>, userId: string, kept: ReadonlySet<OptionalPersonalTable>): Promise<ExportedActivity> {
  return { progress: await exportProgress(tx, userId, kept), liveEvents: await exportLiveEvents(tx, userId) };
}

async function exportProgress(tx: Transaction<Database>, userId: string, kept: ReadonlySet<OptionalPersonalTable>): Promise<ExportedActivity['progress']> {
  // The three tables came in one migration: all of them, or progress is not kept here.
  if (!kept.has('user_progress') || !kept.has('progress_ledger') || !kept.has('quest_progress')) return null;
  const total = (await sql<{ xp: string }>`select xp::text as xp from user_progress where user_id = ${userId}`.execute(tx)).rows[0];
  const history = await sql<{ action: string; action_key: string; xp: number; day: string; created_at: Date }>`
    select action, action_key, xp, to_char(day, 'YYYY-MM-DD') as day, created_at
      from progress_ledger where user_id = ${userId} order by created_at, action_key`.execute(tx);
  const quests = await sql<{ day: string; quest_id: string; count: number }>`
    select to_char(day, 'YYYY-MM-DD') as day, quest_id, count
      from quest_progress where user_id = ${userId} order by day, quest_id`.execute(tx);
  return {
    xp: Number(total?.xp ?? 0),
    history: history.rows.map((h) => ({ action: h.action, key: h.action_key, xp: h.xp, day: h.day, at: h.created_at.toISOString() })),
    quests: quests.rows.map((q) => ({ day: q.day, questId: q.quest_id, count: q.count })),
  };
}

async function exportLiveEvents(tx: Transaction<Database>, userId: string): Promise<ExportedActivity['liveEvents']> {
  const registrations = await tx
    .selectFrom('registrations as r')
    .innerJoin('events as e', 'e.id', 'r.event_id')
    .select(['r.event_id', 'e.title', 'r.created_at'])
    .where('r.user_id', '=', userId)
    .orderBy('r.created_at')
    .execute();
  const attendance = await tx.selectFrom('attendance').select(['event_id', 'joined_at', 'left_at']).where('user_id', '=', userId).orderBy('joined_at').orderBy('id').execute();
  // Its creator, and anyone else its hosts list: an event hosts are added to is theirs too.
  const hosted = await tx
    .selectFrom('events')
    .select(['id', 'title', 'job_card_id', 'starts_at', 'ends_at', 'capacity', 'status', 'created_at'])
    .where((eb) => eb.or([eb('host_id', '=', userId), eb('id', 'in', eb.selectFrom('event_hosts').select('event_id').where('user_id', '=', userId))]))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const removals = await tx.selectFrom('event_removals').select(['event_id', 'removed_at']).where('user_id', '=', userId).orderBy('removed_at').orderBy('event_id').execute();
  return {
    registrations: registrations.map((r) => ({ eventId: r.event_id, title: r.title, at: r.created_at.toISOString() })),
    attendance: attendance.map((a) => ({ eventId: a.event_id, joinedAt: a.joined_at.toISOString(), leftAt: a.left_at?.toISOString() ?? null })),
    hosted: hosted.map((e) => ({
      eventId: e.id,
      title: e.title,
      jobCardId: e.job_card_id,
      startsAt: e.starts_at.toISOString(),
      endsAt: e.ends_at.toISOString(),
      capacity: e.capacity,
      status: e.status,
      createdAt: e.created_at.toISOString(),
    })),
    removals: removals.map((r) => ({ eventId: r.event_id, at: r.removed_at.toISOString() })),
  };
}
