import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DomainOutboxRow, NewDomainEvent } from '../../domain/domainEvents';
import type { Database } from '../types';
import { QUEUE_PLAN } from '../queuePlans';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * True on the connections of a node that publishes domain events: the node
 * sets `kismet.domain_events` on each connection when it opens the database
 * (see db/database.ts). Every statement that writes a fact guards its outbox
 * insert with this, so a deployment without NATS writes no rows at all.
 */
export const DOMAIN_EVENTS_ON: RawBuilder<boolean> = sql<boolean>`(current_setting('kismet.domain_events', true) = 'on')`;

/** Outbox rows for events whose data is known before the statement: one multi-row insert, or none. */
export async function queueDomainEvents(db: Db, events: readonly NewDomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  await sql`
    insert into domain_event_outbox (type, data)
    select v.type, v.data from unnest(${events.map((e) => e.type)}::text[], ${events.map((e) => JSON.stringify(e.data))}::jsonb[]) as v(type, data)
     where ${DOMAIN_EVENTS_ON}`.execute(db);
}

/** A leased row with its attempt count. */
export interface LeasedDomainEvent extends DomainOutboxRow {
  readonly attempts: number;
}

/**
 * Leases up to `limit` due rows for `leaseMs`, oldest first, `for update skip
 * locked` like the push outbox: workers on every node take different rows, and
 * a row whose worker died is due again when its lease runs out.
 */
export async function leaseDueDomainEvents(db: Db, limit: number, leaseMs: number): Promise<LeasedDomainEvent[]> {
  const result = await sql<{ id: string; type: string; data: Record<string, unknown>; occurred_at: Date; attempts: number }>`${QUEUE_PLAN}
    with due as (
      select id from domain_event_outbox
       where state = 'pending' and due_at <= clock_timestamp() and (leased_until is null or leased_until <= clock_timestamp())
       order by due_at, occurred_at
       limit ${limit}
       for update skip locked
    )
    update domain_event_outbox o
       set attempts = o.attempts + 1, leased_until = clock_timestamp() + ${leaseMs} * interval '1 millisecond'
      from due where o.id = due.id
    returning o.id, o.type, o.data, o.occurred_at, o.attempts`.execute(db);
  return result.rows
    .map((r) => ({ id: r.id, type: r.type, data: r.data, occurredAtMs: r.occurred_at.getTime(), attempts: r.attempts }))
    .sort((x, y) => x.occurredAtMs - y.occurredAtMs);
}

/** Rows finished as `state`: published (done) or given up on (dead, with the reason). */
export async function finishDomainEvents(db: Db, rows: ReadonlyArray<{ id: string; state: 'done' | 'dead'; reason: string | null }>): Promise<void> {
  if (rows.length === 0) return;
  await sql`${QUEUE_PLAN}
    update domain_event_outbox o set state = v.state, reason = v.reason, finished_at = clock_timestamp(), leased_until = null
      from unnest(${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.state)}::text[], ${rows.map((r) => r.reason)}::text[]) as v(id, state, reason)
     where o.id = v.id`.execute(db);
}

/** Rows to publish again after `delayMs` each. */
export async function retryDomainEventsLater(db: Db, rows: ReadonlyArray<{ id: string; delayMs: number; reason: string }>): Promise<void> {
  if (rows.length === 0) return;
  await sql`${QUEUE_PLAN}
    update domain_event_outbox o
       set due_at = clock_timestamp() + v.delay_ms * interval '1 millisecond', leased_until = null, reason = v.reason
      from unnest(${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.delayMs)}::int[], ${rows.map((r) => r.reason)}::text[]) as v(id, delay_ms, reason)
     where o.id = v.id`.execute(db);
}
