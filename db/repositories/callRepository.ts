import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { MatchStatus } from '../../domain/chatRules';
import { decideCallStart, RING_TIMEOUT_MS, type Call, type CallEndReason, type CallLines, type CallMedia } from '../../domain/callState';
import { ErrorCode } from '../../domain/errors';
import { callEndedData, type NewDomainEvent } from '../../domain/domainEvents';
import type { CallsTable, Database } from '../types';
import { DOMAIN_EVENTS_ON, queueDomainEvents } from './domainOutboxRepository';
import { lockCallLines, underCallStartLocks } from './callStartLocks';
import { queueCallPushes } from './pushOutboxRepository';
import { findThreadAccess } from './threadRepository';

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

export type CallStartOutcome =
  | { readonly kind: 'started'; readonly call: Call }
  | { readonly kind: 'refused'; readonly code: ErrorCode; readonly message: string };

/**
 * Starts a ringing call if the match is still active, and neither person's line nor the
 * cluster's cap is taken (domain/callState decideCallStart: a match ended while the start
 * waited is refused as it would have been before, BLOCKED to the blocker alone), read under
 * the call lock with the match's row held (callStartLocks.ts says in what order). Calls left
 * ringing past the timeout (their node died) are marked missed first, so they neither count nor block.
 * A shadow-banned caller's call is stored hidden: it rings nobody, so it neither
 * counts against the cap nor stands in anyone else's way (either would tell them of
 * it); it stands in its own caller's way, who sees it ringing.
 */
export async function startCall(
  db: Kysely<Database>,
  input: { id: string; matchId: string; callerId: string; calleeId: string; media: CallMedia; liveKitRoom: string; at: Date; maxActive: number; callerShadowBanned: boolean },
): Promise<CallStartOutcome> {
  return underCallStartLocks(db, input, async (trx) => {
    const swept = await trx
      .updateTable('calls')
      .set({ state: 'missed', ended_at: input.at, end_reason: 'missed' })
      .where('state', '=', 'ringing')
      .where('created_at', '<=', new Date(input.at.getTime() - RING_TIMEOUT_MS))
      .returningAll()
      .execute();
    await queueDomainEvents(trx, swept.flatMap((row) => callEndedEvents(callFromRow(row))));
    const access = await findThreadAccess(trx, input.matchId, input.callerId);
    const decision = decideCallStart({
      isMember: access?.isMember === true,
      matchStatus: access?.status,
      blocked: access?.blockedEitherWay === true,
      callerBlocked: access?.callerBlocked === true,
      ...(await readCallLines(trx, input)),
      maxActiveCalls: input.maxActive,
    });
    if (decision.kind === 'refused') return decision;
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
    // Unreachable under the lock once the lines are read; the index keeps the match's one call regardless.
    if (!row) return { kind: 'refused', code: ErrorCode.CALL_IN_PROGRESS, message: 'a call between you is already ringing or on' } as const;
    const call = callFromRow(row);
    // The callee's closed apps ring with the call, unless it rings nobody (a shadow-banned caller).
    if (!input.callerShadowBanned) await queueCallPushes(trx, call.calleeId, 'call.incoming', callPushPayload(call));
    return { kind: 'started', call } as const;
  });
}

/**
 * The live calls around a new one, in one statement: the cluster's count (hidden calls left
 * out), the calls the caller sees (any that rang, and their own hidden ones) on this match, the
 * caller's own live calls and answered ones on any match (a call ringing them leaves their line
 * free to call out), and whether the callee is on an answered call that rang. The states are written in
 * words so the partial indexes (live calls by caller, by callee) match once for any values.
 */
async function readCallLines(
  trx: Transaction<Database>,
  input: { matchId: string; callerId: string; calleeId: string },
): Promise<Omit<CallLines, 'maxActiveCalls'>> {
  const { matchId, callerId: me, calleeId: them } = input;
  const { rows } = await sql<{ active: string; in_progress: boolean; caller_on_call: boolean; callee_busy: boolean }>`
    with around as (
      select match_id, state, hidden, caller_id, callee_id from calls
       where state in ('ringing', 'accepted')
         and (caller_id = ${me} or callee_id = ${me} or caller_id = ${them} or callee_id = ${them})
    ), seen as (
      select match_id, state, caller_id from around where caller_id = ${me} or (callee_id = ${me} and not hidden)
    )
    select (select count(*) from calls where state in ('ringing', 'accepted') and not hidden) as active,
           exists (select 1 from seen where match_id = ${matchId}) as in_progress,
           exists (select 1 from seen where caller_id = ${me} or state = 'accepted') as caller_on_call,
           exists (select 1 from around where state = 'accepted' and not hidden and (caller_id = ${them} or callee_id = ${them})) as callee_busy`.execute(trx);
  const row = rows[0]!;
  return { activeCalls: Number(row.active), callInProgress: row.in_progress, callerOnCall: row.caller_on_call, calleeOnAnsweredCall: row.callee_busy };
}

export async function findCall(db: Kysely<Database>, id: string): Promise<Call | undefined> {
  const row = await db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? callFromRow(row) : undefined;
}

/** A call with its match's status now (undefined for a match that is gone). */
export async function findCallOnMatch(db: Kysely<Database>, id: string): Promise<{ call: Call; matchStatus: MatchStatus | undefined } | undefined> {
  const row = await db
    .selectFrom('calls')
    .leftJoin('matches', 'matches.id', 'calls.match_id')
    .selectAll('calls')
    .select('matches.status as match_status')
    .where('calls.id', '=', id)
    .executeTakeFirst();
  return row ? { call: callFromRow(row), matchStatus: row.match_status ?? undefined } : undefined;
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

/** How storing a transition went: `stale` when another got there first, `on_another_call` for an answer that would put the callee on two calls. */
export type CallSaveOutcome = 'saved' | 'stale' | 'on_another_call';

/** Stores a transition only if the call is still in the state it was decided from. */
export async function saveCallTransition(db: Kysely<Database>, from: Call, to: Call): Promise<CallSaveOutcome> {
  if (to.state === 'accepted') {
    return db.transaction().execute(async (trx) => {
      await lockCallLines(trx);
      const outcome = await answerCall(trx, from, to);
      // Answered on one device: the callee's closed apps stop ringing (an end stops them through its call.ended event).
      if (outcome === 'saved') await queueCallPushes(trx, to.calleeId, 'call.answered', callPushPayload(to));
      return outcome;
    });
  }
  return (await updateCall(db, from, to)) ? 'saved' : 'stale';
}

/**
 * Answers the call unless its callee is on another call: one answered, or one of their own
 * that still rings (hidden ones ring nobody, so they are never answered and never count). A
 * ringing call past its time (its node died before the sweep) is over, so it does not count.
 */
async function answerCall(trx: Transaction<Database>, from: Call, to: Call): Promise<CallSaveOutcome> {
  const at = new Date(to.acceptedAt!);
  const { rows } = await sql<{ on_call: boolean; saved: boolean }>`
    with line as (
      select exists (
        select 1 from calls
         where state in ('ringing', 'accepted') and not hidden and id <> ${from.id}
           and (caller_id = ${from.calleeId} or callee_id = ${from.calleeId})
           and (state = 'accepted' or (caller_id = ${from.calleeId} and created_at > ${new Date(at.getTime() - RING_TIMEOUT_MS)}))
      ) as on_call
    ), u as (
      update calls set state = 'accepted', accepted_at = ${at}
       where id = ${from.id} and state = ${from.state} and not (select on_call from line)
      returning id
    )
    select (select on_call from line) as on_call, exists (select 1 from u) as saved`.execute(trx);
  const row = rows[0]!;
  if (row.on_call) return 'on_another_call';
  return row.saved ? 'saved' : 'stale';
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

/** Whether a webhook with this id was handled before (a replay, or LiveKit's retry of one that was). */
export async function webhookSeen(db: Kysely<Database>, id: string): Promise<boolean> {
  const row = await db.selectFrom('livekit_webhooks').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

/**
 * Remembers a handled webhook by its id, and forgets those received before `forgetBefore`:
 * past the age check, a replay of them is refused as too old anyway.
 */
export async function rememberWebhook(db: Kysely<Database>, id: string, forgetBefore: Date): Promise<void> {
  await sql`
    with gone as (delete from livekit_webhooks where received_at < ${forgetBefore})
    insert into livekit_webhooks (id) values (${id}) on conflict (id) do nothing`.execute(db);
}

/** The other member of a 1:1 match, or undefined when the caller is not in it. */
export async function findCallPeer(db: Kysely<Database>, matchId: string, userId: string): Promise<string | undefined> {
  const row = await db.selectFrom('matches').select(['user_a_id', 'user_b_id']).where('id', '=', matchId).executeTakeFirst();
  if (!row) return undefined;
  if (row.user_a_id === userId) return row.user_b_id;
  if (row.user_b_id === userId) return row.user_a_id;
  return undefined;
}
