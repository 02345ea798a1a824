import { sql, type Kysely } from 'kysely';
import type { Block } from '../../domain/blockedPairs';
import { postsJobs } from '../../domain/cardRules';
import { decideEventCreation, DOORS_OPEN_BEFORE_MS, EVENT_CREATION_WINDOW_MS } from '../../domain/liveEventRules';
import { ErrorCode } from '../../domain/errors';
import { UserEventType } from '../../domain/userEvents';
import type { Database } from '../types';
import type { StoredUserEvent } from './eventRepository';
import { appendEventsOfUsers } from './userEventBatchRepository';
import { inAskedOrder } from './askedOrder';
import { blockedEitherWaySql } from './peopleApart';
import { hiddenAccountSql, lockLiveAccount } from './userRepository';

export interface LiveEvent {
  readonly id: string;
  readonly hostId: string;
  readonly jobCardId: string;
  readonly title: string;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly capacity: number;
}

/**
 * Stores a new event and its host, unless the host has as many events not over at `now`, or
 * created in the 30 days before it, as they may (decideEventCreation): counted under the host's `users` row lock, so creations
 * sent at once, to any nodes, take turns and count each other. The refusal, if any.
 */
export async function insertLiveEvent(db: Kysely<Database>, event: LiveEvent, now: Date): Promise<{ readonly code: ErrorCode; readonly message: string } | undefined> {
  return db.transaction().execute(async (trx) => {
    // The role and the job as they are under the host's lock, which a change of role takes first:
    // an account that is no longer a recruiter, or whose job was withdrawn meanwhile, hosts nothing.
    const host = await lockLiveAccount(trx, event.hostId);
    if (!host || !postsJobs(host.role)) return { code: ErrorCode.RECRUITER_ONLY, message: 'only recruiter accounts host events' };
    const job = await trx.selectFrom('cards').select('active').where('id', '=', event.jobCardId).executeTakeFirst();
    if (!job?.active) return { code: ErrorCode.CARD_NOT_FOUND, message: 'no such active job' };
    const since = new Date(now.getTime() - EVENT_CREATION_WINDOW_MS);
    const { upcoming, created } = await trx
      .selectFrom('events')
      .select((eb) => [
        eb.fn.countAll<string>().filterWhere('ends_at', '>', now).as('upcoming'),
        eb.fn.countAll<string>().filterWhere('created_at', '>', since).as('created'),
      ])
      .where('host_id', '=', event.hostId)
      .executeTakeFirstOrThrow();
    const refusal = decideEventCreation(Number(upcoming), Number(created));
    if (refusal) return refusal;
    await trx
      .insertInto('events')
      .values({
        id: event.id,
        host_id: event.hostId,
        job_card_id: event.jobCardId,
        title: event.title,
        starts_at: new Date(event.startsAt),
        ends_at: new Date(event.endsAt),
        capacity: event.capacity,
      })
      .execute();
    await trx.insertInto('event_hosts').values({ event_id: event.id, user_id: event.hostId }).execute();
    return undefined;
  });
}

/** What a user is to an event, with the event: what the door decides from. */
export interface LiveEventAccess {
  readonly event: LiveEvent;
  readonly isHost: boolean;
  readonly registered: boolean;
  readonly removed: boolean;
  /** The user's account is banned or deleted: an access token outlives both. */
  readonly callerBanned: boolean;
  readonly shadowBanned: boolean;
  /** The blocks between the user and the event's hosts and registrants, either way: the event hides each from the other. */
  readonly blocks: readonly Block[];
}

/**
 * The event and what the user is to it, in one read; undefined when there is no such event, and
 * for anyone but its hosts when its host is banned, shadow-banned or deleted or its job deactivated.
 */
export async function findLiveEventAccess(db: Kysely<Database>, eventId: string, userId: string): Promise<LiveEventAccess | undefined> {
  return (await findLiveEventAccesses(db, [{ eventId, userId }]))[0];
}

/** `findLiveEventAccess` for many (event, user) pairs in one statement, in the order asked: a burst of joins at a node's door. */
export async function findLiveEventAccesses(
  db: Kysely<Database>,
  asks: ReadonlyArray<{ eventId: string; userId: string }>,
): Promise<Array<LiveEventAccess | undefined>> {
  if (asks.length === 0) return [];
  const { rows } = await sql<{
    i: string; user_id: string; id: string; host_id: string; job_card_id: string; title: string; starts_at: Date; ends_at: Date; capacity: number;
    is_host: boolean; registered: boolean; removed: boolean; caller_banned: boolean; shadow_banned: boolean; open_to_others: boolean; blocking: string[]; blocked_by: string[];
  }>`
    select q.i, q.user_id::text as user_id, e.id, e.host_id, e.job_card_id, e.title, e.starts_at, e.ends_at, e.capacity,
           -- Its host banned, shadow-banned or gone, or its job taken down: the event is its hosts' alone.
           (jc.active and not ${hiddenAccountSql('hu')}) as open_to_others,
           exists (select 1 from event_hosts h where h.event_id = e.id and h.user_id = q.user_id) as is_host,
           exists (select 1 from registrations r where r.event_id = e.id and r.user_id = q.user_id) as registered,
           exists (select 1 from event_removals x where x.event_id = e.id and x.user_id = q.user_id) as removed,
           exists (select 1 from users u where u.id = q.user_id and (u.status = 'banned' or u.deleted_at is not null)) as caller_banned,
           exists (select 1 from users u where u.id = q.user_id and u.shadow_banned) as shadow_banned,
           -- Each way through its own index (the key leads with blocker_id; blocked_id has one of its own).
           array(select bl.blocked_id::text from blocks bl where bl.blocker_id = q.user_id and ${eventPersonSql('bl.blocked_id')}) as blocking,
           array(select bl.blocker_id::text from blocks bl where bl.blocked_id = q.user_id and ${eventPersonSql('bl.blocker_id')}) as blocked_by
      from unnest(${asks.map((a) => a.eventId)}::uuid[], ${asks.map((a) => a.userId)}::uuid[]) with ordinality as q(event_id, user_id, i)
      join events e on e.id = q.event_id
      join users hu on hu.id = e.host_id
      join cards jc on jc.id = e.job_card_id`.execute(db);
  return inAskedOrder(rows, asks.length, (row) => {
    if (!row || (!row.open_to_others && !row.is_host)) return undefined;
    return {
      event: {
        id: row.id,
        hostId: row.host_id,
        jobCardId: row.job_card_id,
        title: row.title,
        startsAt: row.starts_at.getTime(),
        endsAt: row.ends_at.getTime(),
        capacity: row.capacity,
      },
      isHost: row.is_host,
      registered: row.registered,
      removed: row.removed,
      callerBanned: row.caller_banned,
      shadowBanned: row.shadow_banned,
      blocks: [...row.blocking.map((other) => ({ blockerId: row.user_id, blockedId: other })), ...row.blocked_by.map((other) => ({ blockerId: other, blockedId: row.user_id }))],
    };
  });
}

/** Whether the user in `column` hosts or registered for the event `e`. */
function eventPersonSql(column: 'bl.blocked_id' | 'bl.blocker_id') {
  const user = sql.ref(column);
  return sql<boolean>`(exists (select 1 from registrations r where r.event_id = e.id and r.user_id = ${user})
                       or exists (select 1 from event_hosts h where h.event_id = e.id and h.user_id = ${user}))`;
}

/** A host removed someone from the event: kept, so the door refuses them from now on. */
export async function recordEventRemoval(db: Kysely<Database>, removal: { eventId: string; userId: string; removedBy: string; at: Date }): Promise<void> {
  await db
    .insertInto('event_removals')
    .values({ event_id: removal.eventId, user_id: removal.userId, removed_by: removal.removedBy, removed_at: removal.at })
    .onConflict((oc) => oc.columns(['event_id', 'user_id']).doNothing())
    .execute();
}

/** Registers a user; true when new. */
export async function registerForLiveEvent(db: Kysely<Database>, eventId: string, userId: string): Promise<boolean> {
  const row = await db
    .insertInto('registrations')
    .values({ event_id: eventId, user_id: userId })
    .onConflict((oc) => oc.columns(['event_id', 'user_id']).doNothing())
    .returning('user_id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Registers many users at once; for seeding load tests. */
export async function registerManyForLiveEvent(db: Kysely<Database>, eventId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await db
    .insertInto('registrations')
    .values(userIds.map((userId) => ({ event_id: eventId, user_id: userId })))
    .onConflict((oc) => oc.columns(['event_id', 'user_id']).doNothing())
    .execute();
}

export interface AttendanceEntry {
  readonly userId: string;
  /** The attendee's active person card, to like from the event's job card; null without one. */
  readonly cardId: string | null;
  readonly firstJoinedAt: number;
  /** Null while they are still in. */
  readonly lastLeftAt: number | null;
}

/** Who attended an event, once each, first arrival first, as `viewerId` sees it: nobody a block stands between them and, either way. */
export async function listAttendance(db: Kysely<Database>, eventId: string, viewerId: string): Promise<AttendanceEntry[]> {
  const rows = await sql<{ user_id: string; card_id: string | null; first_joined: Date; last_left: Date | null; still_in: boolean }>`
    select a.user_id,
           (select c.id from cards c where c.owner_id = a.user_id and c.kind = 'person' and c.active limit 1) as card_id,
           min(a.joined_at) as first_joined, max(a.left_at) as last_left, bool_or(a.left_at is null) as still_in
      from attendance a
     where a.event_id = ${eventId}
       and not ${blockedEitherWaySql(sql`a.user_id`, sql`${viewerId}::uuid`)}
     group by a.user_id
     order by first_joined, a.user_id`.execute(db);
  return rows.rows.map((r) => ({
    userId: r.user_id,
    cardId: r.card_id,
    firstJoinedAt: r.first_joined.getTime(),
    lastLeftAt: r.still_in || r.last_left === null ? null : r.last_left.getTime(),
  }));
}

/**
 * Claims the `event.starting` notices now due (doors open, event not over, not
 * yet sent) and stores them, in one transaction. The claim is a conditional
 * update: when several nodes run it at once, each registration is claimed by
 * exactly one of them.
 */
export async function claimStartingNotices(db: Kysely<Database>, now: Date): Promise<StoredUserEvent[]> {
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .updateTable('registrations as r')
      .from(['events as e', 'users as hu', 'cards as jc'])
      .set({ starting_notified_at: now })
      .whereRef('e.id', '=', 'r.event_id')
      // Nobody is called to an event closed to them (its host hidden, its job taken down).
      .whereRef('hu.id', '=', 'e.host_id')
      .whereRef('jc.id', '=', 'e.job_card_id')
      .where('jc.active', '=', true)
      .where(sql<boolean>`not ${hiddenAccountSql('hu')}`)
      .where('r.starting_notified_at', 'is', null)
      .where('e.starts_at', '<=', new Date(now.getTime() + DOORS_OPEN_BEFORE_MS))
      .where('e.ends_at', '>', now)
      .returning(['r.user_id', 'r.event_id', 'e.title', 'e.starts_at'])
      .execute();
    // One statement for every notice: a large event's registrants are claimed together as its doors open.
    const stored = await appendEventsOfUsers(
      trx,
      due.map((notice) => ({
        userId: notice.user_id,
        type: UserEventType.EVENT_STARTING,
        data: { eventId: notice.event_id, title: notice.title, startsAt: notice.starts_at.getTime() },
      })),
    );
    return stored.filter((event): event is StoredUserEvent => event !== undefined);
  });
}
