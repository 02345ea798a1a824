import { sql, type Transaction } from 'kysely';
import { PUSHED_EVENT_TYPES } from '../../domain/push/userPush';
import type { NewUserEvent } from '../../domain/userEvents';
import type { Database } from '../types';
import type { StoredUserEvent } from './eventRepository';
import { groupBy } from './groupBy';
import { liveSessionOf } from './livePushTargets';

interface StoredRow {
  user_id: string;
  seq: string | number;
  type: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

/**
 * Appends the events of many users in one statement, whatever their number (as
 * `appendUserEvents` does for one). The statement locks the users' rows first, in
 * id order, so two batches (or a batch and a thread's commit) never wait on each
 * other in a cycle: it updates only rows its first part has locked, and that part
 * takes them one after another in id order. The lock is the one the numbering's
 * update takes (no key update), which does not wait on the key-share locks other
 * transactions' foreign keys hold on users (a match's members, a thread's
 * sender): `for update` would, and another node's swipe flush holding them while
 * it waited on this one's pair rows made a cycle. The same statement numbers each
 * user's events after their last, counts likes, and writes the pushes they owe.
 * It was two statements, the lock its own: inside a swipe flush's transaction that
 * was one more wait for the node's turn while the flush held its pair rows.
 * Answers the stored events in the order given (undefined for a user who no
 * longer exists or whose account was erased: nothing is stored for them, and an
 * erasure that commits while this waits for its row is seen). Runs inside the
 * caller's transaction.
 */
export async function appendEventsOfUsers(trx: Transaction<Database>, events: readonly NewUserEvent[]): Promise<Array<StoredUserEvent | undefined>> {
  if (events.length === 0) return [];
  const userIds = [...new Set(events.map((e) => e.userId))].sort();
  const result = await sql<StoredRow>`
    with locked as materialized (
      select id from users where id = any(${userIds}::uuid[]) and deleted_at is null order by id for no key update
    ), v as (
      select * from unnest(${events.map((e) => e.userId)}::uuid[], ${events.map((_, i) => i)}::int[], ${events.map((e) => e.type)}::text[],
                           ${events.map((e) => JSON.stringify(e.data))}::jsonb[], ${events.map((e) => e.countsLike === true)}::boolean[])
        as v(user_id, i, type, payload, counts_like)
    ), n as (
      select v.*, row_number() over w as rn, count(*) filter (where v.counts_like) over w as likes_upto
        from v window w as (partition by v.user_id order by v.i)
    ), total as (
      select user_id, count(*) as n, count(*) filter (where counts_like) as likes from v group by user_id
    ), u as (
      update users
         set event_seq = event_seq + total.n, likes_received = likes_received + total.likes
        from locked join total on total.user_id = locked.id
       where users.id = locked.id
      returning users.id, users.event_seq, users.likes_received, total.n, total.likes
    ), stored as (
      insert into stored_events (user_id, seq, type, payload)
      select n.user_id, u.event_seq - u.n + n.rn, n.type,
             case when n.counts_like then n.payload || jsonb_build_object('count', u.likes_received - u.likes + n.likes_upto) else n.payload end
        from n join u on u.id = n.user_id
      returning user_id, seq, type, payload, created_at
    ), pushed as (
      -- The push each registered device of a live session is owed, in the same statement: never one without the other.
      -- Without the message's text: the worker reads it from the stored notice at delivery, so an erasure there erases it here too.
      insert into push_outbox (user_id, device_id, kind, event_seq, payload)
      select stored.user_id, t.device_id, stored.type, stored.seq, stored.payload - 'preview'
        from stored join push_targets t on t.user_id = stored.user_id
       where stored.type = any(${[...PUSHED_EVENT_TYPES]}::text[]) and ${liveSessionOf('t')}
    )
    select user_id::text as user_id, seq, type, payload, created_at from stored`.execute(trx);
  // Each user's events were numbered in the order given: hand them back in that order.
  const byUser = groupBy(result.rows, (row) => row.user_id);
  for (const rows of byUser.values()) rows.sort((x, y) => Number(x.seq) - Number(y.seq));
  const taken = new Map<string, number>();
  return events.map((event) => {
    const k = taken.get(event.userId) ?? 0;
    taken.set(event.userId, k + 1);
    const row = byUser.get(event.userId)?.[k];
    if (!row) return undefined; // the user is gone (erased meanwhile): nothing to tell
    return { userId: event.userId, seq: Number(row.seq), type: row.type, data: row.payload, at: row.created_at.getTime() } as StoredUserEvent;
  });
}
