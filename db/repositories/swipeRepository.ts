import { sql, type Kysely, type Transaction } from 'kysely';
import { orderedPair, type CardKind, type LastSwipe, type SwipeAction, type SwipeContext } from '../../domain/swipeRules';
import type { NewUserEvent } from '../../domain/userEvents';
import { PUSHED_EVENT_TYPES } from '../../domain/push/userPush';
import type { Database } from '../types';
import { DOMAIN_EVENTS_ON } from './domainOutboxRepository';
import { appendUserEvents, type StoredUserEvent } from './eventRepository';

type Db = Kysely<Database> | Transaction<Database>;

interface ContextRow {
  swiper_premium: boolean;
  swiper_hidden: boolean;
  f_id: string | null; f_owner: string | null; f_kind: CardKind | null; f_active: boolean | null; f_owner_status: string | null;
  t_id: string | null; t_owner: string | null; t_kind: CardKind | null; t_active: boolean | null; t_owner_status: string | null;
  t_owner_premium: boolean | null;
  previous_kind: SwipeAction | null;
  match_id: string | null;
  blocked: boolean;
  likes_today: string | number;
}

export interface LoadedSwipeContext {
  readonly context: SwipeContext;
  readonly toOwnerIsPremium: boolean;
  /** The swiper is shadow-banned: their likes are kept, and reach nobody. */
  readonly swiperShadowBanned: boolean;
}

/** Everything `decideSwipe` needs, in one round trip. Undefined when the swiper does not exist. */
export async function loadSwipeContext(
  db: Db,
  input: { swiperId: string; fromCardId: string; toCardId: string; quotaDayStart: Date },
): Promise<LoadedSwipeContext | undefined> {
  const { a, b } = orderedPair(input.fromCardId, input.toCardId);
  const result = await sql<ContextRow>`
    select s.is_premium as swiper_premium, s.shadow_banned as swiper_hidden,
           f.id as f_id, f.owner_id as f_owner, f.kind as f_kind, f.active as f_active, fu.status as f_owner_status,
           t.id as t_id, t.owner_id as t_owner, t.kind as t_kind, t.active as t_active, tu.status as t_owner_status,
           tu.is_premium as t_owner_premium,
           (select w.kind from swipes w where w.from_card_id = ${input.fromCardId} and w.to_card_id = ${input.toCardId}) as previous_kind,
           (select m.id from matches m where m.card_a_id = ${a} and m.card_b_id = ${b}) as match_id,
           exists(select 1 from blocks k
                   where (k.blocker_id = s.id and k.blocked_id = t.owner_id)
                      or (k.blocker_id = t.owner_id and k.blocked_id = s.id)) as blocked,
           (select count(*) from swipes w
             where w.swiper_id = s.id and w.kind <> 'pass' and w.created_at >= ${input.quotaDayStart}) as likes_today
      from users s
      left join cards f on f.id = ${input.fromCardId}
      left join users fu on fu.id = f.owner_id
      left join cards t on t.id = ${input.toCardId}
      left join users tu on tu.id = t.owner_id
     where s.id = ${input.swiperId}`.execute(db);
  const row = result.rows[0];
  if (!row) return undefined;
  const card = (id: string | null, owner: string | null, kind: CardKind | null, active: boolean | null, status: string | null) =>
    id && owner && kind ? { id, ownerId: owner, kind, active: active === true, ownerBanned: status === 'banned' } : undefined;
  return {
    context: {
      swiperId: input.swiperId,
      swiperIsPremium: row.swiper_premium,
      from: card(row.f_id, row.f_owner, row.f_kind, row.f_active, row.f_owner_status),
      to: card(row.t_id, row.t_owner, row.t_kind, row.t_active, row.t_owner_status),
      blocked: row.blocked,
      previous: row.previous_kind ? { action: row.previous_kind, matchId: row.match_id } : undefined,
      likesToday: Number(row.likes_today),
    },
    toOwnerIsPremium: row.t_owner_premium === true,
    swiperShadowBanned: row.swiper_hidden,
  };
}

export type SwipeWrite =
  /** An identical swipe was stored first; nothing was written. */
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'recorded'; readonly matchId: string | null; readonly events: readonly StoredUserEvent[] };

export interface SwipeToRecord {
  readonly swiperId: string;
  readonly from: { readonly id: string; readonly ownerId: string };
  readonly to: { readonly id: string; readonly ownerId: string };
  readonly action: SwipeAction;
  /** Kept as a swipe only: a shadow-banned swiper's like notifies nobody and makes no match. */
  readonly silent: boolean;
  /** The id the match gets if this like makes the pair mutual. */
  readonly matchIdIfMutual: string;
  /** The event a like produces when it does not make a match (for the liked card's owner). */
  readonly eventIfPending: NewUserEvent;
  /** The events a like produces when it makes the match. */
  readonly eventsIfMatched: readonly NewUserEvent[];
}

interface LikeRow {
  mutual: boolean;
  seq: string | null;
  type: string | null;
  payload: Record<string, unknown> | null;
  created_at: Date | null;
}

/**
 * Stores a swipe and everything it causes, atomically. A like upserts the pair's
 * row, which serialises the two sides of a pair on its lock and lets exactly one
 * of two racing likes see both flags set: that one creates the match (and the
 * match's unique pair constraint stands behind it). The common case, a like that
 * makes no match, is one statement: swipe, pair and the liked owner's event.
 */
export async function recordSwipe(db: Kysely<Database>, swipe: SwipeToRecord): Promise<SwipeWrite> {
  const values = { from_card_id: swipe.from.id, to_card_id: swipe.to.id, swiper_id: swipe.swiperId, kind: swipe.action };
  // The swipe (`s`, its id when new) and its domain event, completed with that id, in one statement.
  const recorded = JSON.stringify({ swiperId: swipe.swiperId, fromCardId: swipe.from.id, toCardId: swipe.to.id, toOwnerId: swipe.to.ownerId, action: swipe.action });
  const swipeWithEvent = sql`s as (
        insert into swipes (from_card_id, to_card_id, swiper_id, kind)
        values (${values.from_card_id}, ${values.to_card_id}, ${values.swiper_id}, ${values.kind})
        on conflict (from_card_id, to_card_id) do nothing
        returning id
      ), d as (
        insert into domain_event_outbox (type, data)
        select 'swipe.recorded', ${recorded}::jsonb || jsonb_build_object('swipeId', s.id::text) from s where ${DOMAIN_EVENTS_ON}
      )`;
  if (swipe.action === 'pass' || swipe.silent) {
    const inserted = await sql<{ id: string }>`
      with ${swipeWithEvent}
      select id from s`.execute(db);
    return inserted.rows.length > 0 ? { kind: 'recorded', matchId: null, events: [] } : { kind: 'duplicate' };
  }

  const pair = orderedPair(swipe.from.id, swipe.to.id);
  const pending = swipe.eventIfPending;
  return db.transaction().execute(async (trx) => {
    const result = await sql<LikeRow>`
      with ${swipeWithEvent}, p as (
        insert into like_pairs (card_a_id, card_b_id, a_likes_b, b_likes_a)
        select ${pair.a}, ${pair.b}, ${pair.xIsA}, ${!pair.xIsA} from s
        on conflict (card_a_id, card_b_id) do update
          set a_likes_b = like_pairs.a_likes_b or excluded.a_likes_b,
              b_likes_a = like_pairs.b_likes_a or excluded.b_likes_a
        returning a_likes_b and b_likes_a as mutual
      ), u as (
        update users
           set event_seq = event_seq + 1, likes_received = likes_received + ${pending.countsLike ? 1 : 0}
         where id = ${pending.userId} and exists (select 1 from p where not p.mutual)
         returning event_seq, likes_received
      ), e as (
        insert into stored_events (user_id, seq, type, payload)
        select ${pending.userId}, u.event_seq, ${pending.type},
               case when ${pending.countsLike === true} then ${JSON.stringify(pending.data)}::jsonb || jsonb_build_object('count', u.likes_received)
                    else ${JSON.stringify(pending.data)}::jsonb end
          from u
        returning seq, type, payload, created_at
      ), o as (
        -- The like's push to each registered device of the liked owner, with the event.
        insert into push_outbox (user_id, device_id, kind, event_seq, payload)
        select ${pending.userId}, t.device_id, e.type, e.seq, e.payload
          from e join push_targets t on t.user_id = ${pending.userId}
         where e.type = any(${[...PUSHED_EVENT_TYPES]}::text[])
      )
      select p.mutual, e.seq, e.type, e.payload, e.created_at from p left join e on true`.execute(trx);
    const row = result.rows[0];
    if (!row) return { kind: 'duplicate' } as const;
    if (!row.mutual) {
      const events: StoredUserEvent[] =
        row.seq === null
          ? []
          : [{ userId: pending.userId, seq: Number(row.seq), type: row.type!, data: row.payload!, at: row.created_at!.getTime() } as StoredUserEvent];
      return { kind: 'recorded', matchId: null, events } as const;
    }

    const [cardA, cardB] = pair.xIsA ? [swipe.from, swipe.to] : [swipe.to, swipe.from];
    const created = await sql<{ match_id: string }>`
      with m as (
        insert into matches (id, card_a_id, card_b_id, user_a_id, user_b_id)
        values (${swipe.matchIdIfMutual}, ${cardA.id}, ${cardB.id}, ${cardA.ownerId}, ${cardB.ownerId})
        on conflict (card_a_id, card_b_id) do nothing
        returning id, card_a_id, card_b_id, user_a_id, user_b_id
      ), d as (
        insert into domain_event_outbox (type, data)
        select 'match.created', jsonb_build_object('matchId', id, 'cardIds', jsonb_build_array(card_a_id, card_b_id),
               'userIds', case when user_a_id = user_b_id then jsonb_build_array(user_a_id) else jsonb_build_array(user_a_id, user_b_id) end)
          from m where ${DOMAIN_EVENTS_ON}
      )
      insert into match_members (match_id, user_id)
      select id, user_a_id from m
      union all
      select id, user_b_id from m where user_b_id <> user_a_id
      returning match_id`.execute(trx);
    const matchId = created.rows[0]?.match_id ?? null;
    if (matchId === null) return { kind: 'recorded', matchId: null, events: [] } as const;

    const byUser = new Map<string, NewUserEvent[]>();
    for (const event of swipe.eventsIfMatched) byUser.set(event.userId, [...(byUser.get(event.userId) ?? []), event]);
    const events: StoredUserEvent[] = [];
    for (const userId of [...byUser.keys()].sort()) events.push(...(await appendUserEvents(trx, userId, byUser.get(userId)!)));
    return { kind: 'recorded', matchId, events } as const;
  });
}

export async function findLastSwipe(db: Db, swiperId: string): Promise<LastSwipe | undefined> {
  const row = await db
    .selectFrom('swipes')
    .select(['id', 'kind', 'from_card_id', 'to_card_id'])
    .where('swiper_id', '=', swiperId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { id: String(row.id), action: row.kind, fromCardId: row.from_card_id, toCardId: row.to_card_id } : undefined;
}

/** Removes a pass so its card can come round again. */
export async function deletePass(db: Db, swipeId: string): Promise<boolean> {
  const result = await db.deleteFrom('swipes').where('id', '=', swipeId).where('kind', '=', 'pass').executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Inserts swipe history in one statement; for seeding load tests with a realistic table. */
export async function insertSwipesBulk(
  db: Db,
  swipes: ReadonlyArray<{ fromCardId: string; toCardId: string; swiperId: string; action: SwipeAction; at: Date }>,
): Promise<void> {
  if (swipes.length === 0) return;
  await db
    .insertInto('swipes')
    .values(swipes.map((s) => ({ from_card_id: s.fromCardId, to_card_id: s.toCardId, swiper_id: s.swiperId, kind: s.action, created_at: s.at })))
    .onConflict((oc) => oc.columns(['from_card_id', 'to_card_id']).doNothing())
    .execute();
}
