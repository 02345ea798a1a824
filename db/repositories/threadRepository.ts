import { sql, type Kysely, type Transaction } from 'kysely';
import type { PhotoRef } from '../../domain/cardRules';
import { canViewCard, counterpartFace, type CounterpartFace } from '../../domain/cardVisibility';
import { matchStatusSeenBy } from '../../domain/blockDisclosure';
import type { MatchStatus } from '../../domain/chatRules';
import type { ThreadRole } from '../../domain/threadColleagues';
import { UNREAD_KEPT, type MemberPosition } from '../../domain/threadLedger';
import type { Database } from '../types';
import { inAskedOrder } from './askedOrder';
import { groupBy } from './groupBy';
import { blockedEitherWaySql, formerMatchSql } from './peopleApart';
import { findMatchStates } from './matchRepository';
import type { StoredMessageKey } from './messageRepository';
import { matchBlockersSql } from './threadMemberRepository';
import { blockEndsThreadSql } from './threadSides';
import { hiddenAccountSql } from './userRepository';

type Db = Kysely<Database> | Transaction<Database>;

/** What decides whether a user may open a thread. */
export interface ThreadAccess {
  readonly status: MatchStatus;
  readonly isMember: boolean;
  readonly role: ThreadRole | undefined;
  readonly blockedEitherWay: boolean;
  /** The caller blocked someone on the thread's other side: told it was a block (domain/blockDisclosure.ts). */
  readonly callerBlocked: boolean;
  readonly callerBanned: boolean;
  readonly callerShadowBanned: boolean;
}

/** One user's access to one thread; undefined when the match does not exist. */
export async function findThreadAccess(db: Db, matchId: string, userId: string): Promise<ThreadAccess | undefined> {
  return (await findThreadAccesses(db, [{ matchId, userId }]))[0];
}

/** Many users' access to many threads in one statement, in the order asked; undefined where the match does not exist. */
export async function findThreadAccesses(db: Db, asks: ReadonlyArray<{ matchId: string; userId: string }>): Promise<Array<ThreadAccess | undefined>> {
  if (asks.length === 0) return [];
  const { rows } = await sql<{ i: string; status: MatchStatus; role: ThreadRole | null; blocked: boolean; caller_blocked: boolean; caller_banned: boolean; caller_hidden: boolean }>`
    select q.i, m.status,
           q.user_id::text = any(${matchBlockersSql(sql.ref('m.id'))}) as caller_blocked,
           exists(select 1 from users u where u.id = q.user_id and u.status = 'banned') as caller_banned,
           exists(select 1 from users u where u.id = q.user_id and u.shadow_banned) as caller_hidden,
           (select mm.role from match_members mm where mm.match_id = m.id and mm.user_id = q.user_id) as role,
           -- only a block across the thread's sides counts (one between the owner and a colleague does not)
           exists(select 1 from match_members me
                    join match_members o on o.match_id = me.match_id and o.user_id <> me.user_id
                    join blocks k on (k.blocker_id = o.user_id and k.blocked_id = me.user_id)
                                  or (k.blocker_id = me.user_id and k.blocked_id = o.user_id)
                   where me.match_id = m.id and me.user_id = q.user_id and ${blockEndsThreadSql('me', 'o')}) as blocked
      from unnest(${asks.map((a) => a.matchId)}::uuid[], ${asks.map((a) => a.userId)}::uuid[]) with ordinality as q(match_id, user_id, i)
      join matches m on m.id = q.match_id`.execute(db);
  return inAskedOrder(rows, asks.length, (row) => row && {
    status: row.status,
    isMember: row.role !== null,
    role: row.role ?? undefined,
    blockedEitherWay: row.blocked,
    callerBlocked: row.caller_blocked,
    callerBanned: row.caller_banned,
    callerShadowBanned: row.caller_hidden,
  });
}

export interface LoadedThread {
  readonly status: MatchStatus;
  /** For a blocked match, who blocked (`matchBlockersSql`). */
  readonly blockerIds: string[];
  readonly lastSeq: number;
  readonly members: MemberPosition[];
  /** Members shadow-banned now: what they send is shown to them alone. */
  readonly hiddenMemberIds: string[];
  /** The newest messages' client ids, so resends are answered without a query. */
  readonly recent: StoredMessageKey[];
}

/**
 * What many thread actors start from, by match id, in four statements whatever
 * their number (a node creating a burst of threads); a match that does not exist
 * is absent. `recentCount` newest message keys per thread.
 */
export async function loadThreads(db: Db, matchIds: readonly string[], recentCount: number): Promise<Map<string, LoadedThread>> {
  const loaded = new Map<string, LoadedThread>();
  const asked = [...new Set(matchIds)];
  if (asked.length === 0) return loaded;
  const matches = await findMatchStates(db, asked);
  if (matches.length === 0) return loaded;
  const ids = matches.map((m) => m.id);
  const { rows: members } = await sql<{ match_id: string; user_id: string; role: ThreadRole; last_read_seq: string | null; shadow_banned: boolean; has_sent: boolean }>`
    select mm.match_id, mm.user_id, mm.role, r.last_read_seq, u.shadow_banned,
           exists(select 1 from messages x where x.match_id = mm.match_id and x.sender_id = mm.user_id) as has_sent
      from match_members mm
      left join read_markers r on r.match_id = mm.match_id and r.user_id = mm.user_id
      join users u on u.id = mm.user_id
     where mm.match_id = any(${ids}::uuid[])`.execute(db);
  const membersOf = groupBy(members, (m) => m.match_id);
  // Each member's unread messages: counted in storage, and the newest of them read (the ledger keeps no more).
  const lastSeqOf = new Map(matches.map((m) => [m.id, m.last_seq]));
  const { rows: unread } = await sql<{ match_id: string; user_id: string; n: number; seqs: string[] }>`
    select t.match_id, t.user_id, c.n,
           array(select x.seq from messages x
                  where x.match_id = t.match_id and x.seq > t.after and x.seq <= t.up_to and not x.hidden and x.sender_id <> t.user_id
                  order by x.seq desc limit ${UNREAD_KEPT}) as seqs
      from unnest(${members.map((m) => m.match_id)}::uuid[], ${members.map((m) => m.user_id)}::uuid[],
                  ${members.map((m) => m.last_read_seq ?? '0')}::bigint[], ${members.map((m) => lastSeqOf.get(m.match_id)!)}::bigint[])
           as t(match_id, user_id, after, up_to)
     cross join lateral (select count(*)::int as n from messages x
                          where x.match_id = t.match_id and x.seq > t.after and x.seq <= t.up_to and not x.hidden and x.sender_id <> t.user_id) c`.execute(db);
  const unreadOf = new Map(unread.map((r) => [`${r.match_id}|${r.user_id}`, r]));
  const { rows: recent } = await sql<{ match_id: string; seq: string; sender_id: string; client_message_id: string; created_at: Date }>`
    select t.match_id, x.seq, x.sender_id, x.client_message_id, x.created_at
      from unnest(${ids}::uuid[]) as t(match_id)
      cross join lateral (select seq, sender_id, client_message_id, created_at from messages
                           where match_id = t.match_id order by seq desc limit ${recentCount}) x
     order by t.match_id, x.seq desc`.execute(db);
  const recentOf = groupBy(recent, (r) => r.match_id);
  for (const match of matches) {
    const rows = membersOf.get(match.id) ?? [];
    loaded.set(match.id, {
      status: match.status,
      blockerIds: match.blockerIds,
      lastSeq: Number(match.last_seq),
      hiddenMemberIds: rows.filter((m) => m.shadow_banned).map((m) => m.user_id),
      members: rows.map((m) => {
        const unreadRow = unreadOf.get(`${match.id}|${m.user_id}`);
        return {
          userId: m.user_id,
          role: m.role,
          lastReadSeq: Number(m.last_read_seq ?? 0),
          unreadSeqs: (unreadRow?.seqs ?? []).map(Number).reverse(),
          unreadCount: unreadRow?.n ?? 0,
          hasSent: m.has_sent,
        };
      }),
      recent: (recentOf.get(match.id) ?? []).map((r) => ({ senderId: r.sender_id, clientMessageId: r.client_message_id, seq: Number(r.seq), at: r.created_at.getTime() })),
    });
  }
  return loaded;
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

/**
 * Who the user matched with in a thread, as shown in the list: their card as the
 * user may see it (domain/cardVisibility.ts `counterpartFace`).
 */
export interface ThreadCounterpart extends CounterpartFace {
  readonly userId: string;
  readonly cardId: string;
}

export interface ThreadSummary {
  readonly matchId: string;
  /** `blocked` only to whoever blocked; to the others the match was unmatched (domain/blockDisclosure.ts). */
  readonly status: MatchStatus;
  readonly otherUserIds: string[];
  /** The other side's card in this match; null only if it cannot be found. */
  readonly counterpart: ThreadCounterpart | null;
  readonly lastSeq: number;
  readonly lastReadSeq: number;
  readonly unread: number;
}

/** The other side's card and what decides whether the user may see it, read with the list. */
interface CounterpartRow {
  readonly userId: string;
  readonly cardId: string;
  readonly title: string;
  readonly photos: PhotoRef[];
  readonly active: boolean;
  readonly ownerHidden: boolean;
  readonly ownerDeleted: boolean;
  readonly blockedEitherWay: boolean;
  readonly formerMatch: boolean;
}

/** The user's threads, newest match first, with their unread counts. */
export async function listThreads(db: Db, userId: string): Promise<ThreadSummary[]> {
  const viewer = sql`${userId}::uuid`;
  const result = await sql<{ match_id: string; status: MatchStatus; viewer_blocked: boolean; others: string[]; counterpart: CounterpartRow | null; last_seq: string | number; last_read_seq: string | number; unread: string | number }>`
    select m.id as match_id, m.status, m.last_seq,
           case when m.status = 'blocked' then ${userId}::text = any(${matchBlockersSql(sql.ref('m.id'))}) else false end as viewer_blocked,
           coalesce(r.last_read_seq, 0) as last_read_seq,
           array(select o.user_id::text from match_members o where o.match_id = m.id and o.user_id <> ${userId} order by o.user_id) as others,
           (select json_build_object('userId', c.owner_id, 'cardId', c.id, 'title', c.title, 'photos', c.photos, 'active', c.active,
                                     'ownerHidden', ${hiddenAccountSql('u')}, 'ownerDeleted', u.deleted_at is not null,
                                     'blockedEitherWay', ${blockedEitherWaySql(viewer, sql.ref('c.owner_id'))},
                                     'formerMatch', ${formerMatchSql(viewer, sql.ref('c.owner_id'))})
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
    status: matchStatusSeenBy(r.status, r.viewer_blocked),
    otherUserIds: r.others,
    counterpart: r.counterpart && counterpartAsSeenBy(userId, r.counterpart),
    lastSeq: Number(r.last_seq),
    lastReadSeq: Number(r.last_read_seq),
    unread: Number(r.unread),
  }));
}

/** The counterpart by the one rule of who sees a card: an ended match's, a block's and a ban's alike (domain/cardVisibility.ts). */
function counterpartAsSeenBy(viewerId: string, row: CounterpartRow): ThreadCounterpart {
  const { userId, cardId, title, photos, active, ownerHidden, ownerDeleted, blockedEitherWay, formerMatch } = row;
  const visible = canViewCard({ card: { ownerId: userId, active }, viewerId, blockedEitherWay, formerMatch, ownerHidden });
  return { userId, cardId, ...counterpartFace({ title, photos }, visible, ownerDeleted) };
}
