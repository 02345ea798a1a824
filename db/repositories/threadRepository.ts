import { sql, type Kysely, type Transaction } from 'kysely';
import type { PhotoRef } from '../../domain/cardRules';
import type { MatchStatus } from '../../domain/chatRules';
import type { ThreadRole } from '../../domain/threadColleagues';
import type { MemberPosition } from '../../domain/threadLedger';
import type { Database } from '../types';
import { blockEndsThreadSql } from './threadMemberRepository';

type Db = Kysely<Database> | Transaction<Database>;
import type { StoredMessageKey } from './messageRepository';

/** What decides whether a user may open a thread, in one round trip; undefined when the match does not exist. */
export async function findThreadAccess(
  db: Db,
  matchId: string,
  userId: string,
): Promise<{ status: MatchStatus; isMember: boolean; role: ThreadRole | undefined; blockedEitherWay: boolean; callerBanned: boolean; callerShadowBanned: boolean } | undefined> {
  const result = await sql<{ status: MatchStatus; role: ThreadRole | null; blocked: boolean; caller_banned: boolean; caller_hidden: boolean }>`
    select m.status,
           exists(select 1 from users u where u.id = ${userId} and u.status = 'banned') as caller_banned,
           exists(select 1 from users u where u.id = ${userId} and u.shadow_banned) as caller_hidden,
           (select mm.role from match_members mm where mm.match_id = m.id and mm.user_id = ${userId}) as role,
           -- only a block across the thread's sides counts (one between the owner and a colleague does not)
           exists(select 1 from match_members me
                    join match_members o on o.match_id = me.match_id and o.user_id <> me.user_id
                    join blocks k on (k.blocker_id = o.user_id and k.blocked_id = me.user_id)
                                  or (k.blocker_id = me.user_id and k.blocked_id = o.user_id)
                   where me.match_id = m.id and me.user_id = ${userId} and ${blockEndsThreadSql('me', 'o')}) as blocked
      from matches m
     where m.id = ${matchId}`.execute(db);
  const row = result.rows[0];
  return row && {
    status: row.status,
    isMember: row.role !== null,
    role: row.role ?? undefined,
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
    .select(['mm.user_id', 'mm.role', 'r.last_read_seq', 'u.shadow_banned'])
    .where('mm.match_id', '=', matchId)
    .execute();
  const positions = members.map((m) => ({ userId: m.user_id, role: m.role, lastReadSeq: Number(m.last_read_seq ?? 0) }));
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

/** Who the user matched with in a thread, as shown in the list: a deleted account shows as such, without name or photos. */
export interface ThreadCounterpart {
  readonly userId: string;
  readonly cardId: string;
  readonly name: string;
  readonly photos: readonly PhotoRef[];
  readonly deleted: boolean;
}

/** What the list shows for a person who deleted their account. */
export const DELETED_ACCOUNT_NAME = 'deleted account';

export interface ThreadSummary {
  readonly matchId: string;
  readonly status: MatchStatus;
  readonly otherUserIds: string[];
  /** The other side's card in this match; null only if it cannot be found. */
  readonly counterpart: ThreadCounterpart | null;
  readonly lastSeq: number;
  readonly lastReadSeq: number;
  readonly unread: number;
}

/** The user's threads, newest match first, with their unread counts. */
export async function listThreads(db: Db, userId: string): Promise<ThreadSummary[]> {
  const result = await sql<{ match_id: string; status: MatchStatus; others: string[]; counterpart: ThreadCounterpart | null; last_seq: string | number; last_read_seq: string | number; unread: string | number }>`
    select m.id as match_id, m.status, m.last_seq,
           coalesce(r.last_read_seq, 0) as last_read_seq,
           array(select o.user_id::text from match_members o where o.match_id = m.id and o.user_id <> ${userId} order by o.user_id) as others,
           (select json_build_object('userId', c.owner_id, 'cardId', c.id, 'deleted', u.deleted_at is not null,
                                     'name', case when u.deleted_at is null then c.title else ${DELETED_ACCOUNT_NAME} end,
                                     'photos', case when u.deleted_at is null then c.photos else '[]'::jsonb end)
              from cards c join users u on u.id = c.owner_id
             where c.id in (m.card_a_id, m.card_b_id) and c.owner_id <> ${userId}
             -- a colleague owns neither card: theirs is the candidate's (the person card)
             order by c.kind = 'job'
             limit 1) as counterpart,
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
    counterpart: r.counterpart,
    lastSeq: Number(r.last_seq),
    lastReadSeq: Number(r.last_read_seq),
    unread: Number(r.unread),
  }));
}
