import { sql, type Kysely, type Transaction } from 'kysely';
import type { PushTarget } from '../../domain/push/notification';
import type { OutboxPush, PushRecipient } from '../../domain/push/userPush';
import type { Database } from '../types';
import { QUEUE_PLAN } from '../queuePlans';
import { liveSessionOf } from './livePushTargets';

type Db = Kysely<Database> | Transaction<Database>;

/** The channel every commit that added push outbox rows notifies (migration 2026_12_05_0015). */
export const PUSH_OUTBOX_CHANNEL = 'kismet_push_outbox';

/** A leased row with what delivering it needs, read in the same statement. */
export interface LeasedPush extends OutboxPush {
  readonly attempts: number;
  /** Undefined: the device has no target any more (unregistered, logged out, banned), or its session expired. */
  readonly target: PushTarget | undefined;
  /** The recipient may not be pushed at all (banned), the match it is about has ended, or the call it rings for rings no more. */
  readonly withheld: boolean;
  readonly recipient: PushRecipient;
}

interface LeasedRow {
  id: string;
  user_id: string;
  device_id: string;
  kind: string;
  event_seq: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
  attempts: number;
  target: PushTarget | null;
  withheld: boolean;
  previews: boolean;
  unread: string | number;
}

/** Pushes owed to a callee's registered devices of live sessions for a call (its ring, or the answer that stops it). */
export async function queueCallPushes(db: Db, calleeId: string, kind: 'call.incoming' | 'call.answered', payload: Record<string, unknown>): Promise<void> {
  await sql`
    insert into push_outbox (user_id, device_id, kind, payload)
    select t.user_id, t.device_id, ${kind}, ${JSON.stringify(payload)}::jsonb from push_targets t where t.user_id = ${calleeId} and ${liveSessionOf('t')}`.execute(db);
}

/**
 * Leases up to `limit` due rows for `leaseMs`: `for update skip locked`, so
 * workers on every node take different rows without waiting on each other, and
 * a row whose worker died is due again when its lease runs out. Each comes with
 * the device's target, the recipient's preview setting and total unread count,
 * and whether it is withheld (a banned recipient; a message, ring or new match whose match
 * ended; a ring whose call no longer rings: cancelled, answered, declined, missed).
 * A message notice's payload carries the text its stored notice holds now (for a
 * recipient with previews on): the outbox row never holds it.
 */
export async function leaseDuePushes(db: Db, limit: number, leaseMs: number): Promise<LeasedPush[]> {
  const result = await sql<LeasedRow>`${QUEUE_PLAN}
    with due as (
      select id from push_outbox
       where state = 'pending' and due_at <= clock_timestamp() and (leased_until is null or leased_until <= clock_timestamp())
       order by due_at, id
       limit ${limit}
       for update skip locked
    ), leased as (
      update push_outbox o
         set attempts = o.attempts + 1, leased_until = clock_timestamp() + ${leaseMs} * interval '1 millisecond'
        from due where o.id = due.id
      returning o.id, o.user_id, o.device_id, o.kind, o.event_seq, o.payload, o.created_at, o.attempts
    )
    select l.id, l.user_id, l.device_id, l.kind, l.event_seq, l.created_at, l.attempts, t.target,
           -- A message's text is read from its stored notice now, never kept in the outbox: a delete
           -- for everyone, an erasure or a colleague's removal emptied it there, and so here.
           case when l.kind = 'message.received' and coalesce(u.push_previews, false) then
             l.payload || jsonb_build_object('preview', coalesce((select e.payload->'preview' from stored_events e
                                                                   where e.user_id = l.user_id and e.seq = l.event_seq), '""'::jsonb))
           else l.payload end as payload,
           -- Checked at each lease, not only the first: a retried push must not outlive what it announces
           -- (a ring shown after its call was cancelled or answered, a match after the unmatch).
           coalesce(u.status = 'banned', true)
             or (l.kind in ('message.received', 'call.incoming', 'match.created')
                 and not exists(select 1 from matches m where m.id = (l.payload->>'matchId')::uuid and m.status = 'active'))
             or (l.kind = 'call.incoming'
                 and not exists(select 1 from calls c where c.id = (l.payload->>'callId')::uuid and c.state = 'ringing')) as withheld,
           coalesce(u.push_previews, false) as previews,
           case when l.kind = 'message.received' then
             (select count(*) from match_members mine
                join matches m on m.id = mine.match_id and m.status = 'active'
                left join read_markers r on r.match_id = m.id and r.user_id = l.user_id
                join messages x on x.match_id = m.id and x.seq > coalesce(r.last_read_seq, 0) and x.sender_id <> l.user_id and not x.hidden
               where mine.user_id = l.user_id)
           else 0 end as unread
      from leased l
      left join users u on u.id = l.user_id
      -- A device whose session ended since its row was written (logged out, revoked, expired) has no target.
      left join push_targets t on t.user_id = l.user_id and t.device_id = l.device_id and ${liveSessionOf('t')}`.execute(db);
  return result.rows.map((r) => ({
    id: String(r.id),
    userId: r.user_id,
    deviceId: r.device_id,
    kind: r.kind,
    eventSeq: r.event_seq === null ? null : Number(r.event_seq),
    payload: r.payload,
    createdAtMs: r.created_at.getTime(),
    attempts: r.attempts,
    target: r.target ?? undefined,
    withheld: r.withheld,
    recipient: { previews: r.previews, unread: Number(r.unread) },
  }));
}

export type FinishedState = 'done' | 'skipped' | 'dead';

/**
 * A leased row as its lease names it: `attempts` counts its leases, so it is the
 * lease's token. A worker whose lease ran out, and whose row another worker
 * took since, holds an older one, and its writes change nothing.
 */
export interface PushLease {
  readonly id: string;
  readonly attempts: number;
}

/** Rows finished as `state` (with a reason for skipped and dead ones), each while still under its lease. The ids finished. */
export async function finishPushes(db: Db, rows: ReadonlyArray<PushLease & { state: FinishedState; reason: string | null }>): Promise<string[]> {
  if (rows.length === 0) return [];
  const result = await sql<{ id: string }>`${QUEUE_PLAN}
    update push_outbox o set state = v.state, reason = v.reason, finished_at = clock_timestamp(), leased_until = null
      from unnest(${rows.map((r) => r.id)}::bigint[], ${rows.map((r) => r.attempts)}::int[], ${rows.map((r) => r.state)}::text[], ${rows.map((r) => r.reason)}::text[])
           as v(id, attempts, state, reason)
     where o.id = v.id and o.attempts = v.attempts and o.state = 'pending'
    returning o.id`.execute(db);
  return result.rows.map((r) => String(r.id));
}

/** A row to try again after `delayMs`, while still under its lease; whether it was. */
export async function retryPushLater(db: Db, lease: PushLease, delayMs: number, reason: string): Promise<boolean> {
  const result = await sql`${QUEUE_PLAN}
    update push_outbox set due_at = clock_timestamp() + ${delayMs} * interval '1 millisecond', leased_until = null, reason = ${reason}
     where id = ${lease.id} and attempts = ${lease.attempts} and state = 'pending'
    returning id`.execute(db);
  return result.rows.length === 1;
}
