import { sql, type Kysely, type Transaction } from 'kysely';
import type { ChatMessage, MatchStatus, MessageKind } from '../../domain/chatRules';
import type { MemberPosition } from '../../domain/threadLedger';
import type { NewUserEvent } from '../../domain/userEvents';
import type { Database } from '../types';
import { appendUserEvents, type StoredUserEvent } from './eventRepository';
import { isUniqueViolation } from './userRepository';

type Db = Kysely<Database> | Transaction<Database>;

/** One message of a thread, as stored. A deleted message keeps its sequence and loses its content. */
/** A message as storage holds it: a thread's message. */
export type StoredMessage = ChatMessage;

/** A message as its thread actor holds it: hidden ones (sent while shadow-banned) are shown to their sender alone. */
export interface ThreadMessage extends StoredMessage {
  readonly hidden: boolean;
}

/** Which client message became which sequence. */
export interface StoredMessageKey {
  readonly senderId: string;
  readonly clientMessageId: string;
  readonly seq: number;
  readonly at: number;
}

export interface NewMessage {
  readonly senderId: string;
  readonly clientMessageId: string;
  readonly kind: MessageKind;
  readonly body: string | null;
  readonly mediaUrl: string | null;
  /** Sent while the sender is shadow-banned. */
  readonly hidden: boolean;
}

interface MessageRow {
  seq: string | number;
  sender_id: string;
  client_message_id: string;
  kind: MessageKind;
  body: string | null;
  media_url: string | null;
  created_at: Date;
  deleted_at: Date | null;
}

const toMessage = (row: MessageRow): StoredMessage => ({
  seq: Number(row.seq),
  senderId: row.sender_id,
  clientMessageId: row.client_message_id,
  kind: row.kind,
  body: row.body,
  mediaUrl: row.media_url,
  at: row.created_at.getTime(),
  deleted: row.deleted_at !== null,
});

const MESSAGE_COLUMNS = ['seq', 'sender_id', 'client_message_id', 'kind', 'body', 'media_url', 'created_at', 'deleted_at'] as const;

/** What decides whether a user may open a thread, in one round trip; undefined when the match does not exist. */
export async function findThreadAccess(
  db: Db,
  matchId: string,
  userId: string,
): Promise<{ status: MatchStatus; isMember: boolean; blockedEitherWay: boolean; callerBanned: boolean; callerShadowBanned: boolean } | undefined> {
  const result = await sql<{ status: MatchStatus; is_member: boolean; blocked: boolean; caller_banned: boolean; caller_hidden: boolean }>`
    select m.status,
           exists(select 1 from users u where u.id = ${userId} and u.status = 'banned') as caller_banned,
           exists(select 1 from users u where u.id = ${userId} and u.shadow_banned) as caller_hidden,
           exists(select 1 from match_members mm where mm.match_id = m.id and mm.user_id = ${userId}) as is_member,
           exists(select 1 from match_members o
                    join blocks k on (k.blocker_id = o.user_id and k.blocked_id = ${userId})
                                  or (k.blocker_id = ${userId} and k.blocked_id = o.user_id)
                   where o.match_id = m.id and o.user_id <> ${userId}) as blocked
      from matches m
     where m.id = ${matchId}`.execute(db);
  const row = result.rows[0];
  return row && {
    status: row.status,
    isMember: row.is_member,
    blockedEitherWay: row.blocked,
    callerBanned: row.caller_banned,
    callerShadowBanned: row.caller_hidden,
  };
}

export interface LoadedThread {
  readonly status: MatchStatus;
  readonly lastSeq: number;
  readonly members: MemberPosition[];
  /** Members shadow-banned now: what they send is shown to them alone. */
  readonly hiddenMemberIds: string[];
  /** The newest messages' client ids, so resends are answered without a query. */
  readonly recent: StoredMessageKey[];
}

/** Everything a thread actor starts from; undefined when the match does not exist. */
export async function loadThread(db: Db, matchId: string, recentCount: number): Promise<LoadedThread | undefined> {
  const match = await db.selectFrom('matches').select(['status', 'last_seq']).where('id', '=', matchId).executeTakeFirst();
  if (!match) return undefined;
  const members = await db
    .selectFrom('match_members as mm')
    .leftJoin('read_markers as r', (join) => join.onRef('r.match_id', '=', 'mm.match_id').onRef('r.user_id', '=', 'mm.user_id'))
    .innerJoin('users as u', 'u.id', 'mm.user_id')
    .select(['mm.user_id', 'r.last_read_seq', 'u.shadow_banned'])
    .where('mm.match_id', '=', matchId)
    .execute();
  const positions = members.map((m) => ({ userId: m.user_id, lastReadSeq: Number(m.last_read_seq ?? 0) }));
  const oldestRead = positions.length > 0 ? Math.min(...positions.map((p) => p.lastReadSeq)) : Number(match.last_seq);
  const unreadRows = await db
    .selectFrom('messages')
    .select(['seq', 'sender_id'])
    .where('match_id', '=', matchId)
    .where('seq', '>', String(oldestRead))
    .where('hidden', '=', false)
    .orderBy('seq')
    .execute();
  const recent = await db
    .selectFrom('messages')
    .select(['seq', 'sender_id', 'client_message_id', 'created_at'])
    .where('match_id', '=', matchId)
    .orderBy('seq', 'desc')
    .limit(recentCount)
    .execute();
  return {
    status: match.status,
    lastSeq: Number(match.last_seq),
    hiddenMemberIds: members.filter((m) => m.shadow_banned).map((m) => m.user_id),
    members: positions.map((p) => ({
      ...p,
      unreadSeqs: unreadRows.filter((r) => Number(r.seq) > p.lastReadSeq && r.sender_id !== p.userId).map((r) => Number(r.seq)),
    })),
    recent: recent.map((r) => ({ senderId: r.sender_id, clientMessageId: r.client_message_id, seq: Number(r.seq), at: r.created_at.getTime() })),
  };
}

export type StoreOutcome =
  | { readonly kind: 'stored'; readonly messages: ThreadMessage[]; readonly events: StoredUserEvent[] }
  /** The match is no longer active: nothing was stored. */
  | { readonly kind: 'closed'; readonly status: MatchStatus }
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
}

/**
 * Stores the batches of several threads at once: all their messages in one
 * statement, and the events of the threads that stored in the same
 * transaction, so one commit (one WAL flush) serves them all. Each thread's
 * `last_seq` advances only if it still is the batch's `expectedLastSeq` and the
 * match is active: a sequence cannot skip or repeat even if two writers ever
 * raced, and no message lands after its match ended. Threads whose guard fails
 * store nothing and do not hold back the others. A thread's batch at most once
 * per call: its writer has one batch in flight at a time.
 */
export async function storeThreadBatches(db: Kysely<Database>, batches: readonly ThreadBatch[]): Promise<StoreOutcome[]> {
  if (batches.length === 0) return [];
  const write = async (tx: Db): Promise<Array<StoreOutcome | undefined>> => {
    const stored = await insertThreadBatches(tx, batches);
    const eventsByBatch = await appendBatchEvents(tx, batches.filter((b) => stored.has(b.matchId)));
    return batches.map((b) => {
      const messages = stored.get(b.matchId);
      return messages ? { kind: 'stored', messages, events: eventsByBatch.get(b) ?? [] } : undefined;
    });
  };
  let outcomes: Array<StoreOutcome | undefined>;
  try {
    // Without events the insert is one statement and needs no transaction of its own.
    outcomes = batches.some((b) => b.notify.length > 0) ? await db.transaction().execute(write) : await write(db);
  } catch (error) {
    if (!(isUniqueViolation(error) && String((error as Error).message).includes('messages_client_id_unique'))) throw error;
    // A resend older than its thread's memory: find out whose, storing each thread on its own.
    if (batches.length === 1) return [{ kind: 'duplicate' }];
    return (await Promise.all(batches.map((b) => storeThreadBatches(db, [b])))).flat();
  }
  const refused = batches.filter((_, i) => outcomes[i] === undefined).map((b) => b.matchId);
  const states = refused.length === 0 ? [] : await db.selectFrom('matches').select(['id', 'status', 'last_seq']).where('id', 'in', refused).execute();
  return batches.map((b, i): StoreOutcome => {
    const outcome = outcomes[i];
    if (outcome) return outcome;
    const match = states.find((m) => m.id === b.matchId);
    if (!match || match.status !== 'active') return { kind: 'closed', status: match?.status ?? 'unmatched' };
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
    )
    insert into messages (match_id, seq, sender_id, client_message_id, kind, body, media_url, hidden)
    select thread.id, thread.expected_last_seq + v.i, v.sender_id, v.client_message_id, v.kind, v.body, v.media_url,
           -- the account's standing as committed, even if the actor has not heard of a change yet
           v.hidden or exists(select 1 from users u where u.id = v.sender_id and u.shadow_banned)
      from thread
      join unnest(${messages.map((m) => m.matchId)}::uuid[], ${messages.map((m) => m.i)}::int[], ${messages.map((m) => m.senderId)}::uuid[],
                  ${messages.map((m) => m.clientMessageId)}::text[], ${messages.map((m) => m.kind)}::text[],
                  ${messages.map((m) => m.body)}::text[], ${messages.map((m) => m.mediaUrl)}::text[], ${messages.map((m) => m.hidden)}::boolean[])
           as v(match_id, i, sender_id, client_message_id, kind, body, media_url, hidden) on v.match_id = thread.id
    returning match_id, seq, sender_id, client_message_id, kind, body, media_url, created_at, deleted_at, hidden`.execute(db);
  const stored = new Map<string, ThreadMessage[]>();
  for (const row of result.rows) stored.set(row.match_id, [...(stored.get(row.match_id) ?? []), { ...toMessage(row), hidden: row.hidden }]);
  for (const messages of stored.values()) messages.sort((x, y) => x.seq - y.seq);
  return stored;
}

/** Appends the batches' events, user by user in id order so concurrent writers never deadlock; returns them by batch. */
async function appendBatchEvents(tx: Db, batches: readonly ThreadBatch[]): Promise<Map<ThreadBatch, StoredUserEvent[]>> {
  const byUser = new Map<string, Array<{ batch: ThreadBatch; events: readonly NewUserEvent[] }>>();
  for (const batch of batches) {
    for (const target of batch.notify) byUser.set(target.userId, [...(byUser.get(target.userId) ?? []), { batch, events: target.events }]);
  }
  const byBatch = new Map<ThreadBatch, StoredUserEvent[]>();
  for (const userId of [...byUser.keys()].sort()) {
    const parts = byUser.get(userId)!;
    const appended = await appendUserEvents(tx, userId, parts.flatMap((p) => p.events));
    let offset = 0;
    for (const part of parts) {
      byBatch.set(part.batch, [...(byBatch.get(part.batch) ?? []), ...appended.slice(offset, offset + part.events.length)]);
      offset += part.events.length;
    }
  }
  return byBatch;
}

/** Messages already stored under these senders' client ids. */
export async function findMessagesByClientIds(
  db: Db,
  matchId: string,
  keys: ReadonlyArray<{ readonly senderId: string; readonly clientMessageId: string }>,
): Promise<StoredMessage[]> {
  if (keys.length === 0) return [];
  const rows = await db
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where('match_id', '=', matchId)
    .where((eb) => eb.or(keys.map((k) => eb.and([eb('sender_id', '=', k.senderId), eb('client_message_id', '=', k.clientMessageId)]))))
    .execute();
  return rows.map(toMessage);
}

/** The messages of a thread a member is shown: all but others' hidden ones. */
function shownTo(db: Db, matchId: string, viewerId: string) {
  return db
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where('match_id', '=', matchId)
    .where((eb) => eb.or([eb('hidden', '=', false), eb('sender_id', '=', viewerId)]));
}

/** Up to `limit` messages the viewer is shown with seq below `beforeSeq`, oldest first, and whether older ones exist. */
export async function listMessagesBefore(
  db: Db,
  matchId: string,
  viewerId: string,
  beforeSeq: number,
  limit: number,
): Promise<{ messages: StoredMessage[]; hasMore: boolean }> {
  const rows = await shownTo(db, matchId, viewerId)
    .where('seq', '<', String(beforeSeq))
    .orderBy('seq', 'desc')
    .limit(limit + 1)
    .execute();
  return { messages: rows.slice(0, limit).map(toMessage).reverse(), hasMore: rows.length > limit };
}

/** Up to `limit` messages the viewer is shown with `afterSeq < seq <= upToSeq`, oldest first, and whether more lie in that range. */
export async function listMessagesBetween(
  db: Db,
  matchId: string,
  viewerId: string,
  range: { afterSeq: number; upToSeq: number },
  limit: number,
): Promise<{ messages: StoredMessage[]; hasMore: boolean }> {
  const { afterSeq, upToSeq } = range;
  const rows = await shownTo(db, matchId, viewerId)
    .where('seq', '>', String(afterSeq))
    .where('seq', '<=', String(upToSeq))
    .orderBy('seq')
    .limit(limit + 1)
    .execute();
  return { messages: rows.slice(0, limit).map(toMessage), hasMore: rows.length > limit };
}

export async function findMessage(db: Db, matchId: string, seq: number): Promise<ThreadMessage | undefined> {
  const row = await db
    .selectFrom('messages')
    .select([...MESSAGE_COLUMNS, 'hidden'])
    .where('match_id', '=', matchId)
    .where('seq', '=', String(seq))
    .executeTakeFirst();
  return row && { ...toMessage(row), hidden: row.hidden };
}

/**
 * Deletes a message for everyone: its content is erased in storage, its sequence
 * stays, and so does the text's preview in the members' `message.received` events.
 */
export async function eraseMessage(db: Kysely<Database>, input: { matchId: string; seq: number; memberIds: readonly string[]; at: Date }): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('messages')
      .set({ body: null, media_url: null, deleted_at: input.at })
      .where('match_id', '=', input.matchId)
      .where('seq', '=', String(input.seq))
      .where('deleted_at', 'is', null)
      .execute();
    if (input.memberIds.length === 0) return;
    await sql`
      update stored_events set payload = payload || '{"preview": "", "deleted": true}'::jsonb
       where user_id = any(${[...input.memberIds]}::uuid[]) and type = 'message.received'
         and payload->>'matchId' = ${input.matchId} and payload->>'seq' = ${String(input.seq)}`.execute(tx);
  });
}

/** Moves a member's read marker forward; a slower writer never moves it back. */
export async function saveReadMarker(db: Db, matchId: string, userId: string, seq: number, at: Date): Promise<void> {
  await db
    .insertInto('read_markers')
    .values({ match_id: matchId, user_id: userId, last_read_seq: String(seq), updated_at: at })
    .onConflict((oc) =>
      oc.columns(['match_id', 'user_id']).doUpdateSet({
        last_read_seq: sql`greatest(read_markers.last_read_seq, excluded.last_read_seq)`,
        updated_at: at,
      }),
    )
    .execute();
}

export interface ThreadSummary {
  readonly matchId: string;
  readonly status: MatchStatus;
  readonly otherUserIds: string[];
  readonly lastSeq: number;
  readonly lastReadSeq: number;
  readonly unread: number;
}

/** The user's threads, newest match first, with their unread counts. */
export async function listThreads(db: Db, userId: string): Promise<ThreadSummary[]> {
  const result = await sql<{ match_id: string; status: MatchStatus; others: string[]; last_seq: string | number; last_read_seq: string | number; unread: string | number }>`
    select m.id as match_id, m.status, m.last_seq,
           coalesce(r.last_read_seq, 0) as last_read_seq,
           array(select o.user_id::text from match_members o where o.match_id = m.id and o.user_id <> ${userId} order by o.user_id) as others,
           (select count(*) from messages x
             where x.match_id = m.id and x.seq > coalesce(r.last_read_seq, 0) and x.sender_id <> ${userId} and not x.hidden) as unread
      from match_members mine
      join matches m on m.id = mine.match_id
      left join read_markers r on r.match_id = m.id and r.user_id = ${userId}
     where mine.user_id = ${userId}
     order by m.created_at desc`.execute(db);
  return result.rows.map((r) => ({
    matchId: r.match_id,
    status: r.status,
    otherUserIds: r.others,
    lastSeq: Number(r.last_seq),
    lastReadSeq: Number(r.last_read_seq),
    unread: Number(r.unread),
  }));
}
