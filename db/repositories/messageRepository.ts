import { sql, type Kysely, type Transaction } from 'kysely';
import type { ChatMessage, MessageKind } from '../../domain/chatRules';
import type { Database } from '../types';

type Db = Kysely<Database> | Transaction<Database>;

/** One message of a thread, as stored. A deleted message keeps its sequence and loses its content. */
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

export interface MessageRow {
  seq: string | number;
  sender_id: string;
  client_message_id: string;
  kind: MessageKind;
  body: string | null;
  media_url: string | null;
  created_at: Date;
  deleted_at: Date | null;
}

export const toMessage = (row: MessageRow): StoredMessage => ({
  seq: Number(row.seq),
  senderId: row.sender_id,
  clientMessageId: row.client_message_id,
  kind: row.kind,
  body: row.body,
  mediaUrl: row.media_url,
  at: row.created_at.getTime(),
  deleted: row.deleted_at !== null,
});

export const MESSAGE_COLUMNS = ['seq', 'sender_id', 'client_message_id', 'kind', 'body', 'media_url', 'created_at', 'deleted_at'] as const;

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

/** Messages with `afterSeq < seq <= upToSeq` a member did not send and may see (none hidden): unread for them, when their read marker is at `afterSeq` or before. */
export async function countUnread(db: Db, matchId: string, userId: string, range: { readonly afterSeq: number; readonly upToSeq: number }): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from messages
     where match_id = ${matchId} and seq > ${range.afterSeq} and seq <= ${range.upToSeq} and sender_id <> ${userId} and not hidden`.execute(db);
  return rows[0]?.n ?? 0;
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
export async function eraseMessage(db: Kysely<Database>, input: ErasedMessage): Promise<void> {
  await db.transaction().execute((tx) => eraseMessageWithin(tx, input));
}

export interface ErasedMessage {
  readonly matchId: string;
  readonly seq: number;
  readonly memberIds: readonly string[];
  readonly at: Date;
}

/** `eraseMessage` inside a transaction the caller holds (an operator's removal resolves its report with it). */
export async function eraseMessageWithin(tx: Transaction<Database>, input: ErasedMessage): Promise<void> {
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
}

/**
 * The sequences of each thread's messages deleted at `sinceMs` or later, ascending,
 * in the order asked: what a thread that missed the news of their removal tells again.
 */
export async function findErasedSince(db: Db, asks: ReadonlyArray<{ readonly matchId: string; readonly sinceMs: number }>): Promise<number[][]> {
  if (asks.length === 0) return [];
  const { rows } = await sql<{ i: string; seq: string }>`
    select q.i, x.seq
      from unnest(${asks.map((a) => a.matchId)}::uuid[], ${asks.map((a) => a.sinceMs / 1000)}::float8[]) with ordinality as q(match_id, since_s, i)
      join messages x on x.match_id = q.match_id and x.deleted_at >= to_timestamp(q.since_s)
     order by q.i, x.seq`.execute(db);
  const found = asks.map((): number[] => []);
  for (const row of rows) found[Number(row.i) - 1]!.push(Number(row.seq));
  return found;
}
