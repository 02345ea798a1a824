import { sql, type Kysely, type Transaction } from 'kysely';
import { PUSHED_EVENT_TYPES } from '../../domain/push/userPush';
import type { NewUserEvent, StoredEventBody } from '../../domain/userEvents';
import type { Database } from '../types';
import { inAskedOrder } from './askedOrder';
import { liveSessionOf } from './livePushTargets';

type Db = Kysely<Database> | Transaction<Database>;

/** One event of a user's stream, as stored and as delivered. */
/** An event of a user's stream as stored: its type and data, its sequence, when it was stored (ms since the epoch). */
export type StoredUserEvent = StoredEventBody & {
  readonly userId: string;
  readonly seq: number;
  readonly at: number;
};

interface EventRow {
  seq: string | number;
  type: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

// Rows are written from NewUserEvent alone (appendUserEvents), so type and payload agree.
const toEvent = (userId: string) => (row: EventRow): StoredUserEvent =>
  ({ userId, seq: Number(row.seq), type: row.type, data: row.payload, at: row.created_at.getTime() }) as StoredUserEvent;

/**
 * Appends events to one user's stream in one statement, with the pushes they
 * owe the user's registered devices (push_outbox). Taking the next numbers
 * from the user's row locks it until commit, so a later number is never visible
 * before an earlier one: readers that see seq N can trust 1..N-1 are there.
 * Callers appending for several users do it in user-id order, so transactions
 * never wait on each other in a cycle. An erased account's stream takes nothing
 * (an erasure that commits meanwhile is seen once its row lock is given up).
 */
export async function appendUserEvents(db: Db, userId: string, events: readonly NewUserEvent[]): Promise<StoredUserEvent[]> {
  if (events.length === 0) return [];
  const likes = events.filter((e) => e.countsLike).length;
  const rows = sql.join(
    events.map(
      (e, i) => sql`(${i + 1}::int, ${e.type}::text, ${JSON.stringify(e.data)}::jsonb, ${e.countsLike === true}::boolean)`,
    ),
  );
  const result = await sql<EventRow>`
    with u as (
      update users
         set event_seq = event_seq + ${events.length}, likes_received = likes_received + ${likes}
       where id = ${userId} and deleted_at is null
       returning event_seq, likes_received
    ), stored as (
      insert into stored_events (user_id, seq, type, payload)
      select ${userId}, u.event_seq - ${events.length} + v.i, v.type,
             case when v.counts_like then v.payload || jsonb_build_object('count', u.likes_received) else v.payload end
        from u, (values ${rows}) as v(i, type, payload, counts_like)
      returning seq, type, payload, created_at
    ), pushed as (
      -- The push each registered device of a live session is owed, in the same statement: never one without the other.
      -- Without the message's text: the worker reads it from the stored notice at delivery, so an erasure there erases it here too.
      insert into push_outbox (user_id, device_id, kind, event_seq, payload)
      select ${userId}, t.device_id, stored.type, stored.seq, stored.payload - 'preview'
        from stored join push_targets t on t.user_id = ${userId}
       where stored.type = any(${[...PUSHED_EVENT_TYPES]}::text[]) and ${liveSessionOf('t')}
    )
    select seq, type, payload, created_at from stored`.execute(db);
  return result.rows.map(toEvent(userId)).sort((x, y) => x.seq - y.seq);
}

export async function listEventsAfter(db: Db, userId: string, afterSeq: number, limit: number): Promise<StoredUserEvent[]> {
  const rows = await db
    .selectFrom('stored_events')
    .select(['seq', 'type', 'payload', 'created_at'])
    .where('user_id', '=', userId)
    .where('seq', '>', String(afterSeq))
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((row) => toEvent(userId)(row as EventRow));
}

/** Where a device stands in its user's stream: the newest sequence, and what the device acknowledged (undefined: never). */
export interface StreamPosition {
  readonly latestSeq: number;
  readonly ackedSeq: number | undefined;
}

/** The stream position of many devices in one statement, in the order asked. */
export async function findStreamPositions(db: Db, devices: ReadonlyArray<{ userId: string; deviceId: string }>): Promise<StreamPosition[]> {
  if (devices.length === 0) return [];
  const { rows } = await sql<{ i: string; event_seq: string | null; acked_seq: string | null }>`
    select q.i, u.event_seq, c.acked_seq
      from unnest(${devices.map((d) => d.userId)}::uuid[], ${devices.map((d) => d.deviceId)}::text[]) with ordinality as q(user_id, device_id, i)
      left join users u on u.id = q.user_id
      left join device_cursors c on c.user_id = q.user_id and c.device_id = q.device_id`.execute(db);
  return inAskedOrder(rows, devices.length, (row) => ({ latestSeq: Number(row?.event_seq ?? 0), ackedSeq: row?.acked_seq == null ? undefined : Number(row.acked_seq) }));
}

/** A device's acknowledgement: it holds its user's events up to `ackedSeq`, as of `at`. */
export interface DeviceAck {
  readonly userId: string;
  readonly deviceId: string;
  readonly ackedSeq: number;
  readonly at: Date;
}

/**
 * Records many devices' acknowledgements in one statement; a cursor never moves
 * back. A device acknowledged twice keeps the higher of the two, and a device
 * whose account is gone is passed over rather than failing the others. A device
 * new to its account (a row inserted) lets the account's cursors seen longest ago go
 * past `kept`, in a second statement (none when no device was new: the usual flush),
 * the new ones kept whatever the nodes' clocks say: a device id is the client's to
 * choose, so one account could otherwise store a cursor per invented id for ever.
 */
export async function saveDeviceCursors(db: Db, acks: readonly DeviceAck[], kept: number): Promise<void> {
  const byDevice = new Map<string, DeviceAck>();
  for (const ack of acks) {
    const key = `${ack.userId}\0${ack.deviceId}`;
    const seen = byDevice.get(key);
    byDevice.set(key, seen ? { ...ack, ackedSeq: Math.max(seen.ackedSeq, ack.ackedSeq), at: seen.at > ack.at ? seen.at : ack.at } : ack);
  }
  if (byDevice.size === 0) return;
  // In key order (user, then device), so two nodes' statements lock the rows they share in one order.
  const rows = [...byDevice].sort(([x], [y]) => (x < y ? -1 : 1)).map(([, ack]) => ack);
  const { rows: added } = await sql<{ user_id: string; device_id: string }>`
    with saved as (
      insert into device_cursors (user_id, device_id, acked_seq, last_seen_at)
      select a.user_id, a.device_id, a.acked_seq, a.at
        from unnest(${rows.map((r) => r.userId)}::uuid[], ${rows.map((r) => r.deviceId)}::text[],
                    ${rows.map((r) => r.ackedSeq)}::bigint[], ${rows.map((r) => r.at)}::timestamptz[]) with ordinality as a(user_id, device_id, acked_seq, at, i)
        join users u on u.id = a.user_id
       order by a.i
      on conflict (user_id, device_id) do update
         set acked_seq = greatest(device_cursors.acked_seq, excluded.acked_seq), last_seen_at = excluded.last_seen_at
      -- xmax is 0 on a row this statement inserted, and set on one it updated.
      returning user_id, device_id, xmax = 0 as inserted
    )
    select user_id, device_id from saved where inserted`.execute(db);
  if (added.length > 0) await keepLatestCursors(db, added.map((r) => ({ userId: r.user_id, deviceId: r.device_id })), kept);
}

/** Of each account that has a device in `added`, keeps the `kept` cursors seen last, those of `added` first; deletes the rest. */
async function keepLatestCursors(db: Db, added: ReadonlyArray<{ userId: string; deviceId: string }>, kept: number): Promise<void> {
  await sql`
    delete from device_cursors d
     using (select c.user_id, c.device_id,
                   row_number() over (partition by c.user_id order by (a.device_id is not null) desc, c.last_seen_at desc, c.device_id) as place
              from device_cursors c
              left join unnest(${added.map((a) => a.userId)}::uuid[], ${added.map((a) => a.deviceId)}::text[]) as a(user_id, device_id)
                on a.user_id = c.user_id and a.device_id = c.device_id
             where c.user_id = any(${[...new Set(added.map((a) => a.userId))]}::uuid[])) r
     where d.user_id = r.user_id and d.device_id = r.device_id and r.place > ${kept}`.execute(db);
}
