import { sql, type Kysely, type Transaction } from 'kysely';
import type { MatchStatus } from '../../domain/chatRules';
import type { NewUserEvent } from '../../domain/userEvents';
import type { Database } from '../types';
import { DOMAIN_EVENTS_ON } from './domainOutboxRepository';
import type { StoredUserEvent } from './eventRepository';
import { appendEventsOfUsers } from './userEventBatchRepository';
import { isUniqueViolation } from '../faults';
import { findMatchStates } from './matchRepository';
import { withoutErasedPreviews } from '../../domain/threadNotifications';

type Db = Kysely<Database> | Transaction<Database>;
import { toMessage, type MessageRow, type NewMessage, type ThreadMessage } from './messageRepository';

export type StoreOutcome =
  | {
      readonly kind: 'stored';
      readonly messages: ThreadMessage[];
      readonly events: StoredUserEvent[];
      /** The batch's `colleagueIds` storage no longer held when it committed: taken out before it, told nothing of it. */
      readonly departed: string[];
    }
  /**
   * Colleagues storage no longer held when the batch would have committed sent some of its
   * messages (`senders`, among the `departed`): nothing was stored.
   */
  | { readonly kind: 'departed'; readonly senders: string[]; readonly departed: string[] }
  /** The match is no longer active (for a block, who made it): nothing was stored. */
  | { readonly kind: 'closed'; readonly status: MatchStatus; readonly blockerIds: readonly string[] }
  /** The thread's last sequence is not the one expected (another writer): nothing was stored. */
  | { readonly kind: 'moved'; readonly lastSeq: number }
  /** A client message id of the batch is stored already: nothing was stored. */
  | { readonly kind: 'duplicate' };

/** One thread's next messages, numbered `expectedLastSeq + 1...`, and the events telling absent members. */
export interface ThreadBatch {
  readonly matchId: string;
  readonly expectedLastSeq: number;
  readonly messages: readonly NewMessage[];
  readonly notify: ReadonlyArray<{ readonly userId: string; readonly events: readonly NewUserEvent[] }>;
  /**
   * The thread's colleagues as its actor knows them (none in most threads). The only members who
   * leave a live thread: storage is asked in the batch's transaction which of them are still in.
   */
  readonly colleagueIds?: readonly string[];
}

/**
 * Stores the batches of several threads at once: all their messages in one
 * statement, and the events of the threads that stored in the same
 * transaction, so one commit (one WAL flush) serves them all. Each thread's
 * `last_seq` advances only if it still is the batch's `expectedLastSeq` and the
 * match is active: a sequence cannot skip or repeat even if two writers ever
 * raced, and no message lands after its match ended. Threads whose guard fails
 * store nothing and do not hold back the others. A thread's batch at most once
 * per call: its writer has one batch in flight at a time. A colleague taken
 * out of a thread before its batch committed gets no notice of it, and the
 * batch says who they were (`departed`): their actor knows only once told. A
 * batch with a message of theirs stores nothing (`kind: 'departed'`, the flush
 * rolled back and the other threads' batches stored again): its writer refuses
 * those and numbers the rest again.
 */
export async function storeThreadBatches(db: Kysely<Database>, batches: readonly ThreadBatch[]): Promise<StoreOutcome[]> {
  if (batches.length === 0) return [];
  const write = async (tx: Db): Promise<Array<StoreOutcome | undefined>> => {
    const stored = await insertThreadBatches(tx, batches);
    const departed = await departedColleagues(tx, batches.filter((b) => stored.has(b.matchId)));
    const refused = sendersDeparted(batches, departed);
    if (refused.size > 0) throw new SendersDeparted(refused);
    const eventsByThread = await appendBatchEvents(tx, batches.flatMap((b) => {
      const messages = stored.get(b.matchId);
      return messages ? [noticesAsStored(b, messages, departed)] : [];
    }));
    return batches.map((b) => {
      const messages = stored.get(b.matchId);
      return messages ? { kind: 'stored', messages, events: eventsByThread.get(b.matchId) ?? [], departed: departed.get(b.matchId) ?? [] } : undefined;
    });
  };
  let outcomes: Array<StoreOutcome | undefined>;
  try {
    // Without events or colleagues to ask about, the insert is one statement and needs no transaction of its own.
    const oneStatement = batches.every((b) => b.notify.length === 0 && (b.colleagueIds ?? []).length === 0);
    outcomes = oneStatement ? await write(db) : await db.transaction().execute(write);
  } catch (error) {
    if (error instanceof SendersDeparted) {
      // Rolled back: the other threads' batches are stored again without them.
      const rest = batches.filter((b) => !error.outcomes.has(b.matchId));
      const again = await storeThreadBatches(db, rest);
      return batches.map((b) => error.outcomes.get(b.matchId) ?? again[rest.indexOf(b)]!);
    }
    if (!(isUniqueViolation(error) && String((error as Error).message).includes('messages_client_id_unique'))) throw error;
    // A resend older than its thread's memory: find out whose, storing each thread on its own.
    if (batches.length === 1) return [{ kind: 'duplicate' }];
    return (await Promise.all(batches.map((b) => storeThreadBatches(db, [b])))).flat();
  }
  const refused = batches.filter((_, i) => outcomes[i] === undefined).map((b) => b.matchId);
  const states = await findMatchStates(db, refused);
  return batches.map((b, i): StoreOutcome => {
    const outcome = outcomes[i];
    if (outcome) return outcome;
    const match = states.find((m) => m.id === b.matchId);
    if (!match || match.status !== 'active') return { kind: 'closed', status: match?.status ?? 'unmatched', blockerIds: match?.blockerIds ?? [] };
    return { kind: 'moved', lastSeq: Number(match.last_seq) };
  });
}

async function insertThreadBatches(db: Db, batches: readonly ThreadBatch[]): Promise<Map<string, ThreadMessage[]>> {
  // Columns as arrays: the statement's text is the same for any batch, so it is parsed and planned once.
  const messages = batches.flatMap((b) => b.messages.map((m, i) => ({ matchId: b.matchId, i: i + 1, ...m })));
  const result = await sql<MessageRow & { match_id: string; hidden: boolean }>`
    with batch as (
      select * from unnest(${batches.map((b) => b.matchId)}::uuid[], ${batches.map((b) => b.expectedLastSeq)}::bigint[],
                           ${batches.map((b) => b.messages.length)}::int[]) as g(match_id, expected_last_seq, n)
    ), thread as (
      update matches m set last_seq = m.last_seq + batch.n
        from batch
       where m.id = batch.match_id and m.status = 'active' and m.last_seq = batch.expected_last_seq
      returning m.id, batch.expected_last_seq
    ), stored as (
    insert into messages (match_id, seq, sender_id, client_message_id, kind, body, media_url, hidden, deleted_at)
    -- The sender's account as committed when this statement began: a sender erased before is seen
    -- here, and the message keeps its place, not its content (one whose statement began before the
    -- erasure committed is swept after it, finishErasure). Shadow bans likewise, even if the actor
    -- has not heard of one yet.
    select thread.id, thread.expected_last_seq + v.i, v.sender_id, v.client_message_id, v.kind,
           case when u.deleted_at is null then v.body end, case when u.deleted_at is null then v.media_url end,
           v.hidden or coalesce(u.shadow_banned, false), u.deleted_at
      from thread
      join unnest(${messages.map((m) => m.matchId)}::uuid[], ${messages.map((m) => m.i)}::int[], ${messages.map((m) => m.senderId)}::uuid[],
                  ${messages.map((m) => m.clientMessageId)}::text[], ${messages.map((m) => m.kind)}::text[],
                  ${messages.map((m) => m.body)}::text[], ${messages.map((m) => m.mediaUrl)}::text[], ${messages.map((m) => m.hidden)}::boolean[])
           as v(match_id, i, sender_id, client_message_id, kind, body, media_url, hidden) on v.match_id = thread.id
      left join users u on u.id = v.sender_id
    returning match_id, seq, sender_id, client_message_id, kind, body, media_url, created_at, deleted_at, hidden
    ), events as (
      -- One message.stored per message for the platform's bus, in this statement: ids and length, never the text.
      insert into domain_event_outbox (type, data, occurred_at)
      select 'message.stored', jsonb_build_object('matchId', match_id, 'seq', seq, 'senderId', sender_id, 'kind', kind,
                                                  'length', coalesce(char_length(body), 0), 'hidden', hidden), created_at
        from stored where ${DOMAIN_EVENTS_ON}
    )
    select * from stored`.execute(db);
  const stored = new Map<string, ThreadMessage[]>();
  for (const row of result.rows) stored.set(row.match_id, [...(stored.get(row.match_id) ?? []), { ...toMessage(row), hidden: row.hidden }]);
  for (const messages of stored.values()) messages.sort((x, y) => x.seq - y.seq);
  return stored;
}

/**
 * Of the colleagues the batches' actors know, those storage no longer holds, by thread. Asked in
 * the batches' transaction after their first statement locked the match rows, as a statement of
 * its own (it sees what committed before it began, whereas the first statement's reads see what
 * committed before that statement began, maybe before it waited for a match's lock): a removal
 * (which holds that lock from its first read to its commit) that committed before is seen, one
 * not yet committed waits for this batch and clears the previews of its notices. One statement
 * per flush, for the threads with colleagues only; the parties of a live thread never leave it.
 */
async function departedColleagues(tx: Db, batches: readonly ThreadBatch[]): Promise<Map<string, string[]>> {
  const asked = batches.flatMap((b) => (b.colleagueIds ?? []).map((userId) => ({ matchId: b.matchId, userId })));
  const departed = new Map<string, string[]>();
  if (asked.length === 0) return departed;
  const { rows } = await sql<{ match_id: string; user_id: string }>`
    select a.match_id::text as match_id, a.user_id::text as user_id
      from unnest(${asked.map((a) => a.matchId)}::uuid[], ${asked.map((a) => a.userId)}::uuid[]) as a(match_id, user_id)
     where not exists (select 1 from match_members mm where mm.match_id = a.match_id and mm.user_id = a.user_id)`.execute(tx);
  for (const row of rows) departed.set(row.match_id, [...(departed.get(row.match_id) ?? []), row.user_id]);
  return departed;
}

/** Undoes a flush whose batches hold messages of colleagues taken out before it: their outcomes by thread. */
class SendersDeparted extends Error {
  constructor(readonly outcomes: ReadonlyMap<string, StoreOutcome>) {
    super('colleagues taken out of a thread sent messages of the batch');
  }
}

/**
 * The batches with messages from colleagues storage no longer holds: a message is stored only
 * while its sender is a member, so none written on its way while they were taken out lands after.
 */
function sendersDeparted(batches: readonly ThreadBatch[], departed: ReadonlyMap<string, readonly string[]>): Map<string, StoreOutcome> {
  const refused = new Map<string, StoreOutcome>();
  for (const batch of batches) {
    const gone = departed.get(batch.matchId) ?? [];
    const senders = gone.filter((userId) => batch.messages.some((m) => m.senderId === userId));
    if (senders.length > 0) refused.set(batch.matchId, { kind: 'departed', senders, departed: [...gone] });
  }
  return refused;
}

/**
 * A stored batch's notices as storage holds its thread: none to a colleague who departed
 * before it, and no preview of its messages that were stored erased.
 */
function noticesAsStored(batch: ThreadBatch, stored: readonly ThreadMessage[], departed: ReadonlyMap<string, readonly string[]>): ThreadBatch {
  const gone = new Set(departed.get(batch.matchId));
  const erased = new Set(stored.filter((m) => m.deleted).map((m) => m.seq));
  if (gone.size === 0 && erased.size === 0) return batch;
  const notify = batch.notify.filter((target) => !gone.has(target.userId));
  return { ...batch, notify: erased.size === 0 ? notify : notify.map((target) => ({ ...target, events: withoutErasedPreviews(target.events, batch.matchId, erased) })) };
}

/**
 * Appends the batches' events in one statement for all their users
 * (`appendEventsOfUsers`: the users' rows locked in id order, so concurrent
 * writers never deadlock), however many absent members the flush tells;
 * returns them by thread. A user who no longer exists is told nothing.
 */
async function appendBatchEvents(tx: Db, batches: readonly ThreadBatch[]): Promise<Map<string, StoredUserEvent[]>> {
  const owed = batches.flatMap((batch) => batch.notify.flatMap((target) => target.events.map((event) => ({ matchId: batch.matchId, event: { ...event, userId: target.userId } }))));
  const byThread = new Map<string, StoredUserEvent[]>();
  if (owed.length === 0) return byThread;
  const stored = await appendEventsOfUsers(tx as Transaction<Database>, owed.map((o) => o.event));
  owed.forEach(({ matchId }, k) => {
    const event = stored[k];
    if (event) byThread.set(matchId, [...(byThread.get(matchId) ?? []), event]);
  });
  return byThread;
}
