import { sql, type Kysely, type Transaction } from 'kysely';
import { orderedPair, type CardKind, type LastSwipe, type SwipeAction, type SwipeContext } from '../../domain/swipeRules';
import type { QuestDefinition } from '../../domain/progress';
import type { NewUserEvent } from '../../domain/userEvents';
import type { Database } from '../types';
import type { StoredUserEvent } from './eventRepository';
import { formerMatchSql } from './peopleApart';
import { hiddenAccountSql } from './userRepository';

type Db = Kysely<Database> | Transaction<Database>;

interface ContextRow {
  swiper_premium: boolean;
  swiper_hidden: boolean;
  f_id: string | null; f_owner: string | null; f_kind: CardKind | null; f_active: boolean | null; f_owner_hidden: boolean | null;
  t_id: string | null; t_owner: string | null; t_kind: CardKind | null; t_active: boolean | null; t_owner_hidden: boolean | null;
  t_owner_premium: boolean | null;
  previous_kind: SwipeAction | null;
  match_id: string | null;
  blocked: boolean;
  former_match: boolean;
  likes_today: string | number;
}

export interface LoadedSwipeContext {
  readonly context: SwipeContext;
  readonly toOwnerIsPremium: boolean;
  /** The swiper is shadow-banned: their likes are kept, and reach nobody. */
  readonly swiperShadowBanned: boolean;
}

/** What one swipe's read asks for. */
export interface SwipeContextQuery {
  readonly swiperId: string;
  readonly fromCardId: string;
  readonly toCardId: string;
  readonly quotaDayStart: Date;
  /** The session knows the day's likes already: they are not counted again. */
  readonly likesTodayKnown: boolean;
}

/**
 * Everything `decideSwipe` needs for many swipes (a node's read flush), in one
 * statement whose text is the same for any number. Undefined for a swiper who
 * does not exist. `likesToday` is 0 where the query said it is known.
 */
export async function loadSwipeContexts(db: Db, inputs: readonly SwipeContextQuery[]): Promise<Array<LoadedSwipeContext | undefined>> {
  if (inputs.length === 0) return [];
  const pairs = inputs.map((q) => orderedPair(q.fromCardId, q.toCardId));
  const result = await sql<ContextRow & { i: string | number }>`
    select v.i, s.is_premium as swiper_premium, s.shadow_banned as swiper_hidden,
           -- A swipe is allowed only from the swiper's own card: its owner's row is the swiper's, read once.
           f.id as f_id, f.owner_id as f_owner, f.kind as f_kind, f.active as f_active,
           case when f.owner_id = s.id then ${hiddenAccountSql('s')} end as f_owner_hidden,
           -- The target's owner banned or shadow-banned (or gone): the card is not the swiper's to see.
           t.id as t_id, t.owner_id as t_owner, t.kind as t_kind, t.active as t_active, ${hiddenAccountSql('tu')} as t_owner_hidden,
           tu.is_premium as t_owner_premium,
           (select w.kind from swipes w where w.from_card_id = v.from_id and w.to_card_id = v.to_id) as previous_kind,
           (select m.id from matches m where m.card_a_id = v.a and m.card_b_id = v.b) as match_id,
           exists(select 1 from blocks k
                   where (k.blocker_id = s.id and k.blocked_id = t.owner_id)
                      or (k.blocker_id = t.owner_id and k.blocked_id = s.id)) as blocked,
           ${formerMatchSql(sql.ref('s.id'), sql.ref('t.owner_id'))} as former_match,
           case when v.likes_known then 0
                else (select count(*) from swipes w where w.swiper_id = s.id and w.kind <> 'pass' and w.created_at >= v.day_start) end as likes_today
      from unnest(${inputs.map((q) => q.swiperId)}::uuid[], ${inputs.map((q) => q.fromCardId)}::uuid[], ${inputs.map((q) => q.toCardId)}::uuid[],
                  ${pairs.map((p) => p.a)}::uuid[], ${pairs.map((p) => p.b)}::uuid[], ${inputs.map((q) => q.quotaDayStart.toISOString())}::timestamptz[],
                  ${inputs.map((q) => q.likesTodayKnown)}::boolean[]) with ordinality as v(swiper_id, from_id, to_id, a, b, day_start, likes_known, i)
      join users s on s.id = v.swiper_id
      left join cards f on f.id = v.from_id
      left join cards t on t.id = v.to_id
      left join users tu on tu.id = t.owner_id`.execute(db);
  const rows = new Map(result.rows.map((row) => [Number(row.i) - 1, row]));
  // An owner not read (another's card to swipe from) counts as hidden: only the target's is decided on.
  const card = (id: string | null, owner: string | null, kind: CardKind | null, active: boolean | null, hidden: boolean | null) =>
    id && owner && kind ? { id, ownerId: owner, kind, active: active === true, ownerHidden: hidden !== false } : undefined;
  return inputs.map((input, i): LoadedSwipeContext | undefined => {
    const row = rows.get(i);
    if (!row) return undefined;
    return {
      context: {
        swiperId: input.swiperId,
        swiperIsPremium: row.swiper_premium,
        from: card(row.f_id, row.f_owner, row.f_kind, row.f_active, row.f_owner_hidden),
        to: card(row.t_id, row.t_owner, row.t_kind, row.t_active, row.t_owner_hidden),
        blocked: row.blocked,
        formerMatch: row.former_match,
        previous: row.previous_kind ? { action: row.previous_kind, matchId: row.match_id } : undefined,
        likesToday: Number(row.likes_today),
      },
      toOwnerIsPremium: row.t_owner_premium === true,
      swiperShadowBanned: row.swiper_hidden,
    };
  });
}

export type SwipeWrite =
  /** An identical swipe was stored first; nothing was written. */
  | { readonly kind: 'duplicate' }
  /** A card of the swipe was deleted after its read (its owner's account erased); nothing was written. */
  | { readonly kind: 'gone' }
  | {
      readonly kind: 'recorded';
      readonly matchId: string | null;
      readonly events: readonly StoredUserEvent[];
      /** The swipe's quests complete after it (reached now or before): later swipes that day need not count them. */
      readonly questsComplete: readonly string[];
    };

/** One swipe to store (`swipeBatchRepository.ts` `recordSwipes`). */
export interface SwipeToRecord {
  readonly swiperId: string;
  readonly from: { readonly id: string; readonly ownerId: string };
  readonly to: { readonly id: string; readonly ownerId: string };
  readonly action: SwipeAction;
  /**
   * What a like that reaches the liked card's owner causes. Absent for a pass, and
   * for a shadow-banned swiper's like, which is kept as a swipe only: it makes no
   * pair and no match and notifies nobody.
   */
  readonly reaches?: {
    /** The id the match gets if this like makes the pair mutual. */
    readonly matchIdIfMutual: string;
    /** The event the like produces when it does not make a match (for the liked card's owner). */
    readonly eventIfPending: NewUserEvent;
    /** The events the like produces when it makes the match. */
    readonly eventsIfMatched: readonly NewUserEvent[];
  };
  /** The daily quests the swipe advances while they are open (none the session knows complete), and their day. */
  readonly quests: readonly QuestDefinition[];
  readonly questDay: string;
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

/** What a rewind is decided on: the account's premium, its newest swipe and the last swipe it rewound. */
export interface RewindState {
  readonly isPremium: boolean;
  readonly last: LastSwipe | undefined;
  readonly lastRewoundId: string | null;
}

/** The rewind's facts for an account, in one statement; undefined for an account that does not exist. */
export async function findRewindState(db: Db, swiperId: string): Promise<RewindState | undefined> {
  const { rows } = await sql<{ is_premium: boolean; rewound: string | null; id: string | null; kind: SwipeAction | null; from_card_id: string; to_card_id: string }>`
    select u.is_premium, u.last_rewound_swipe_id::text as rewound, w.id::text as id, w.kind, w.from_card_id, w.to_card_id
      from users u
      left join lateral (select s.id, s.kind, s.from_card_id, s.to_card_id from swipes s where s.swiper_id = u.id order by s.id desc limit 1) w on true
     where u.id = ${swiperId} and u.deleted_at is null`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  const last = row.id !== null && row.kind !== null ? { id: row.id, action: row.kind, fromCardId: row.from_card_id, toCardId: row.to_card_id } : undefined;
  return { isPremium: row.is_premium, last, lastRewoundId: row.rewound };
}

/**
 * Removes a pass so its card can come round again, marks it on the swiper's row as
 * the last swipe rewound (none more until a newer swipe), and takes it off the count
 * of the day's quests it advanced (`quests`, of `day`) in the same statement:
 * when it was made that day and the quest is still open, so making it again
 * counts it once. A quest the pass completed stays complete, and the same pass
 * made again adds nothing to it.
 */
export async function deletePass(db: Db, swiperId: string, swipe: LastSwipe, quests: { readonly day: string; readonly quests: readonly QuestDefinition[] }): Promise<boolean> {
  const result = await sql<{ n: number }>`
    with d as (
      delete from swipes where id = ${swipe.id} and swiper_id = ${swiperId} and kind = 'pass' returning id, created_at
    ), r as (
      update users set last_rewound_swipe_id = d.id from d where users.id = ${swiperId}
    ), q as (
      update quest_progress p set count = p.count - 1
        from d, unnest(${quests.quests.map((q) => q.id)}::text[], ${quests.quests.map((q) => q.target)}::int[]) as a(quest_id, target)
       where p.user_id = ${swiperId} and p.day = ${quests.day}::date and p.quest_id = a.quest_id
         and p.count > 0 and p.count < a.target
         and (d.created_at at time zone 'UTC')::date = p.day
    )
    select count(*)::int as n from d`.execute(db);
  return result.rows[0]!.n > 0;
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
