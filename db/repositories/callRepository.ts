import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { RING_TIMEOUT_MS, type Call, type CallEndReason, type CallMedia } from '../../domain/callState';
import { callEndedData, type NewDomainEvent } from '../../domain/domainEvents';
import type { CallsTable, Database } from '../types';
import { DOMAIN_EVENTS_ON, queueDomainEvents } from './domainOutboxRepository';
import { queueCallPushes } from './pushOutboxRepository';

function callFromRow(row: Selectable<CallsTable>): Call {
  return {
    id: row.id,
    matchId: row.match_id,
    callerId: row.caller_id,
    calleeId: row.callee_id,
    media: row.media,
    liveKitRoom: row.livekit_room,
    state: row.state,
    ringingAt: row.created_at.getTime(),
    acceptedAt: row.accepted_at?.getTime() ?? null,
    endedAt: row.ended_at?.getTime() ?? null,
    endReason: row.end_reason as CallEndReason | null,
    hidden: row.hidden,
  };
}

export type CallStartOutcome = { readonly kind: 'started'; readonly call: Call } | { readonly kind: 'in_progress' } | { readonly kind: 'cap_reached' };

/**
 * Starts a ringing call if the cluster is under its cap and the match has no
 * live call. Starts are serialised by one advisory lock, so the cap holds
 * exactly however many nodes start calls at once; calls left ringing past the
 * timeout (their node died) are marked missed first, so they neither count nor block.
 * A shadow-banned caller's call is stored hidden: it rings nobody, so it neither
 * counts against the cap nor stands in the other member's way (either would tell
 * them of it); it stands in its own caller's way, who sees it ringing.
 */
export async function startCall(
  db: Kysely<Database>,
  input: { id: string; matchId: string; callerId: string; calleeId: string; media: CallMedia; liveKitRoom: string; at: Date; maxActive: number; callerShadowBanned: boolean },
): Promise<CallStartOutcome> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('kismet:call-starts'))`.execute(trx);
    const swept = await trx
      .updateTable('calls')
      .set({ state: 'missed', ended_at: input.at, end_reason: 'missed' })
      .where('state', '=', 'ringing')
      .where('created_at', '<=', new Date(input.at.getTime() - RING_TIMEOUT_MS))
      .returningAll()
      .execute();
    await queueDomainEvents(trx, swept.flatMap((row) => callEndedEvents(callFromRow(row))));
    const live = await trx
      .selectFrom('calls')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('state', 'in', ['ringing', 'accepted'])
      .where('hidden', '=', false)
      .executeTakeFirstOrThrow();
    if (Number(live.n) >= input.maxActive) return { kind: 'cap_reached' } as const;
    // The unique index below leaves hidden calls out; a hidden caller is stopped by what they can see.
    if (input.callerShadowBanned && (await liveCallSeenBy(trx, input.matchId, input.callerId))) return { kind: 'in_progress' } as const;
    const row = await trx
      .insertInto('calls')
      .values({
        id: input.id,
        match_id: input.matchId,
        caller_id: input.callerId,
        callee_id: input.calleeId,
        livekit_room: input.liveKitRoom,
        state: 'ringing',
        media: input.media,
        created_at: input.at,
        hidden: input.callerShadowBanned,
      })
      // The partial unique index's predicate in words, not parameters: Postgres matches the
      // two when it plans, and plans this statement once for any values.
      .onConflict((oc) => oc.column('match_id').where(sql<boolean>`state in ('ringing', 'accepted') and not hidden`).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) return { kind: 'in_progress' } as const;
    const call = callFromRow(row);
    // The callee's closed apps ring with the call, unless it rings nobody (a shadow-banned caller).
    if (!input.callerShadowBanned) await queueCallPushes(trx, call.calleeId, 'call.incoming', callPushPayload(call));
    return { kind: 'started', call } as const;
  });
}

/** Whether the match has a live call its member sees: any that rang, and their own hidden ones. */
async function liveCallSeenBy(trx: Transaction<Database>, matchId: string, userId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('calls')
    .select('id')
    .where('match_id', '=', matchId)
    .where('state', 'in', ['ringing', 'accepted'])
    .where((eb) => eb.or([eb('hidden', '=', false), eb('caller_id', '=', userId)]))
    .executeTakeFirst();
  return row !== undefined;
}

export async function findCall(db: Kysely<Database>, id: string): Promise<Call | undefined> {
  const row = await db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? callFromRow(row) : undefined;
}

export async function findCallByRoom(db: Kysely<Database>, liveKitRoom: string): Promise<Call | undefined> {
  const row = await db.selectFrom('calls').selectAll().where('livekit_room', '=', liveKitRoom).executeTakeFirst();
  return row ? callFromRow(row) : undefined;
}

/** The ringing or accepted calls of a match: one that rang at most, and hidden ones (shadow-banned callers'). */
export async function findLiveCallsOfMatch(db: Kysely<Database>, matchId: string): Promise<Call[]> {
  const rows = await db.selectFrom('calls').selectAll().where('match_id', '=', matchId).where('state', 'in', ['ringing', 'accepted']).execute();
  return rows.map(callFromRow);
}

/** Stores a transition only if the call is still in the state it was decided from; false when another got there first. */
export async function saveCallTransition(db: Kysely<Database>, from: Call, to: Call): Promise<boolean> {
  // Answered on one device: the callee's closed apps stop ringing (an end stops them through its call.ended event).
  if (to.state === 'accepted') {
    return db.transaction().execute(async (trx) => {
      const saved = await updateCall(trx, from, to);
      if (saved) await queueCallPushes(trx, to.calleeId, 'call.answered', callPushPayload(to));
      return saved;
    });
  }
  return updateCall(db, from, to);
}

/** What a call's pushes carry. */
function callPushPayload(call: Call): Record<string, unknown> {
  return { callId: call.id, matchId: call.matchId, callerId: call.callerId, media: call.media, state: call.state };
}

/** Saves the transition; an end writes its `call.ended` domain event in the same statement. */
async function updateCall(db: Kysely<Database> | Transaction<Database>, from: Call, to: Call): Promise<boolean> {
  const ended = callEndedData(to);
  const result = await sql<{ id: string }>`
    with u as (
      update calls
         set state = ${to.state}, accepted_at = ${to.acceptedAt === null ? null : new Date(to.acceptedAt)},
             ended_at = ${to.endedAt === null ? null : new Date(to.endedAt)}, end_reason = ${to.endReason}
       where id = ${from.id} and state = ${from.state}
      returning id
    ), d as (
      insert into domain_event_outbox (type, data)
      select 'call.ended', ${JSON.stringify(ended ?? null)}::jsonb from u where ${ended !== undefined} and ${DOMAIN_EVENTS_ON}
    )
    select id from u`.execute(db);
  return result.rows.length === 1;
}

function callEndedEvents(call: Call): NewDomainEvent[] {
  const data = callEndedData(call);
  return data ? [{ type: 'call.ended', data }] : [];
}

/** A participant joined or left the call's LiveKit room (from a webhook). */
export async function recordCallPresence(db: Kysely<Database>, callId: string, userId: string, change: 'joined' | 'left', at: Date): Promise<void> {
  const column = change === 'joined' ? 'joined_at' : 'left_at';
  await db
    .insertInto('call_participants')
    .values({ call_id: callId, user_id: userId, [column]: at })
    .onConflict((oc) => oc.columns(['call_id', 'user_id']).doUpdateSet({ [column]: at }))
    .execute();
}

/** Remembers a webhook by its id; false when it was seen before (a replay). */
export async function rememberWebhook(db: Kysely<Database>, id: string): Promise<boolean> {
  const row = await db.insertInto('livekit_webhooks').values({ id }).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
  return row !== undefined;
}

/** The other member of a 1:1 match, or undefined when the caller is not in it. */
export async function findCallPeer(db: Kysely<Database>, matchId: string, userId: string): Promise<string | undefined> {
  const row = await db.selectFrom('matches').select(['user_a_id', 'user_b_id']).where('id', '=', matchId).executeTakeFirst();
  if (!row) return undefined;
  if (row.user_a_id === userId) return row.user_b_id;
  if (row.user_b_id === userId) return row.user_a_id;
  return undefined;
}
