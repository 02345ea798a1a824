import { sql, type Kysely, type Transaction } from 'kysely';
import { isLike, orderedPair } from '../../domain/swipeRules';
import type { NewUserEvent } from '../../domain/userEvents';
import type { Database } from '../types';
import { DOMAIN_EVENTS_ON } from './domainOutboxRepository';
import type { StoredUserEvent } from './eventRepository';
import type { SwipeToRecord, SwipeWrite } from './swipeRepository';
import { appendEventsOfUsers } from './userEventBatchRepository';
import { groupBy } from './groupBy';
import { addQuestBonuses, type QuestReached } from './questBonusRepository';

type Db = Kysely<Database> | Transaction<Database>;

interface StoredRow {
  part: 'swipe' | 'gone' | 'pair' | 'quest';
  x: string;
  y: string;
  mutual: boolean | null;
  /** A quest's count after the statement, and its day. */
  n: number | null;
  d: string | null;
}

/** What the swipes and pairs statement stored. */
interface Stored {
  /** The swipes stored now (from|to). */
  readonly inserted: Set<string>;
  /** Swipes left out because one of their cards no longer exists (from|to). */
  readonly gone: Set<string>;
  /** For each pair the swipes touched, whether it is mutual now (a|b). */
  readonly mutual: Map<string, boolean>;
  /** The count after it of each quest the stored swipes advanced, while it was open (user|day|quest). */
  readonly questCounts: Map<string, number>;
}

type Reaching = SwipeToRecord & { readonly reaches: NonNullable<SwipeToRecord['reaches']> };

/** Whether a swipe pairs: a pass keeps no pair, and a shadow-banned swiper's like reaches nobody. */
const pairs = (swipe: SwipeToRecord): swipe is Reaching => isLike(swipe.action) && swipe.reaches !== undefined;

/**
 * Stores many users' swipes (a node's flush) as one: the swipes, their domain
 * events and the like pairs in one statement, the matches they make in a
 * second, and every event they cause in a third, in one transaction. The
 * outcome is as if the swipes had been stored one after another in the order
 * given, each as `recordSwipe` stores one:
 *
 * - Pair rows are upserted in (card a, card b) order, so two nodes' flushes
 *   lock them in one order and never deadlock; the second waits for the first
 *   to commit and then sees its flag, so exactly one like of a pair sees the
 *   pair turn mutual, whichever flush it is in.
 * - Both likes of a pair in one flush: the later one makes the match, the
 *   earlier one is a pending like (its `like.received` is stored), as in order.
 * - The match's unique pair stands behind all of it: a match that exists is
 *   never made twice.
 *
 * - The daily quests a stored swipe advances are counted in the same
 *   statement, up to their target, so a swipe counts exactly when it is
 *   stored; a quest it completes adds its XP and its `quest.completed` (and a
 *   `level.up`) in the same transaction.
 *
 * A swipe stored before (the same from and to) answers `duplicate`, and one
 * whose card no longer exists (its owner's account was erased after the swipe was
 * read) `gone`. A swipe is at most once per call: a user's swipes are serial.
 */
export async function recordSwipes(db: Kysely<Database>, swipes: readonly SwipeToRecord[]): Promise<SwipeWrite[]> {
  if (swipes.length === 0) return [];
  const write = async (tx: Db): Promise<SwipeWrite[]> => {
    const { inserted, gone, mutual, questCounts } = await insertSwipesAndPairs(tx, swipes);
    const key = (x: string, y: string) => `${x}|${y}`;
    const isStored = swipes.map((s) => inserted.has(key(s.from.id, s.to.id)));
    const questKey = (s: SwipeToRecord, questId: string) => `${s.swiperId}|${s.questDay}|${questId}`;
    // Which likes of the flush touched each pair, in order.
    const touching = swipes.flatMap((s, i) => (isStored[i] && pairs(s) ? [i] : []));
    const likesOfPair = groupBy(touching, (i) => {
      const { a, b } = orderedPair(swipes[i]!.from.id, swipes[i]!.to.id);
      return key(a, b);
    });
    // The later like of a pair the flush turned mutual makes the match (the pair's only one, if the other side was older).
    const matchers = new Set<number>();
    for (const [pairKey, likes] of likesOfPair) if (mutual.get(pairKey) === true) matchers.add(likes[likes.length - 1]!);
    const made = matchers.size === 0 ? new Set<string>() : await insertMatches(tx, [...matchers].map((i) => swipes[i] as Reaching));
    // The events each swipe causes: a pending like tells the liked owner, a match both owners.
    const owed: Array<{ swipe: number; event: NewUserEvent }> = [];
    swipes.forEach((s, i) => {
      if (!isStored[i] || !pairs(s)) return;
      if (!matchers.has(i)) owed.push({ swipe: i, event: s.reaches.eventIfPending });
      else if (made.has(s.reaches.matchIdIfMutual)) for (const event of s.reaches.eventsIfMatched) owed.push({ swipe: i, event });
    });
    // A quest whose count the statement brought to its target: its bonus and events, owed by the last swipe that advanced it.
    const reachedBy = new Map<string, QuestReached & { swipe: number }>();
    swipes.forEach((s, i) => {
      if (!isStored[i]) return;
      for (const quest of s.quests) {
        if (questCounts.get(questKey(s, quest.id)) === quest.target) reachedBy.set(questKey(s, quest.id), { userId: s.swiperId, day: s.questDay, quest, swipe: i });
      }
    });
    const reached = [...reachedBy.values()];
    const bonusEvents = await addQuestBonuses(tx as Transaction<Database>, reached);
    reached.forEach((r, k) => {
      for (const event of bonusEvents[k]!) owed.push({ swipe: r.swipe, event });
    });
    // Only a flush with likes or quests owes events, and it runs in a transaction.
    const stored = owed.length === 0 ? [] : await appendEventsOfUsers(tx as Transaction<Database>, owed.map((o) => o.event));
    const events = swipes.map((): StoredUserEvent[] => []);
    owed.forEach((o, k) => {
      const event = stored[k];
      if (event) events[o.swipe]!.push(event);
    });
    return swipes.map((s, i): SwipeWrite => {
      if (!isStored[i]) return { kind: gone.has(key(s.from.id, s.to.id)) ? 'gone' : 'duplicate' };
      return {
        kind: 'recorded',
        matchId: matchers.has(i) && pairs(s) && made.has(s.reaches.matchIdIfMutual) ? s.reaches.matchIdIfMutual : null,
        events: events[i]!,
        // A quest left out of the counts was complete already: its row was not updated.
        questsComplete: s.quests.filter((quest) => (questCounts.get(questKey(s, quest.id)) ?? quest.target) >= quest.target).map((quest) => quest.id),
      };
    });
  };
  // Passes and silent likes that advance no quest are one statement and need no transaction of their own.
  return swipes.some((s) => pairs(s) || s.quests.length > 0) ? db.transaction().execute(write) : write(db);
}

/**
 * The swipes, their domain events, the like pairs and the quest counts, in one
 * statement. Only swipes whose two cards exist are stored: cards have no keys
 * from swipes and like pairs (erasure deletes those itself, once the swipes table
 * is locked against flushes), and the statement's snapshot is taken after its
 * lock on the table, so it sees every erasure that held the table before it.
 */
async function insertSwipesAndPairs(db: Db, swipes: readonly SwipeToRecord[]): Promise<Stored> {
  const column = <T>(f: (s: SwipeToRecord) => T) => swipes.map(f);
  const pair = swipes.map((s) => orderedPair(s.from.id, s.to.id));
  const advances = swipes.flatMap((s) => s.quests.map((quest) => ({ s, quest })));
  // The flush's quests and their targets, each quest's target looked up by its position.
  const targetOf = new Map(advances.map(({ quest }) => [quest.id, quest.target]));
  const [questIds, targets] = [[...targetOf.keys()], [...targetOf.values()]];
  // Columns as arrays: the statement's text is the same for any flush, so it is parsed and planned once.
  const result = await sql<StoredRow>`
    with v as (
      select u.*, exists (select 1 from cards c where c.id = u.from_card_id) and exists (select 1 from cards c where c.id = u.to_card_id) as present
        from unnest(${column((s) => s.from.id)}::uuid[], ${column((s) => s.to.id)}::uuid[], ${column((s) => s.swiperId)}::uuid[],
                    ${column((s) => s.action)}::text[], ${column(pairs)}::boolean[], ${pair.map((p) => p.a)}::uuid[],
                    ${pair.map((p) => p.b)}::uuid[], ${pair.map((p) => p.xIsA)}::boolean[], ${column((s) => s.to.ownerId)}::uuid[])
          as u(from_card_id, to_card_id, swiper_id, kind, pairs, a, b, x_is_a, to_owner_id)
    ), s as (
      insert into swipes (from_card_id, to_card_id, swiper_id, kind)
      select from_card_id, to_card_id, swiper_id, kind from v where present order by from_card_id, to_card_id
      on conflict (from_card_id, to_card_id) do nothing
      returning id, from_card_id, to_card_id
    ), d as (
      insert into domain_event_outbox (type, data)
      -- Built here, from the columns, so a node without domain events sends no JSON.
      select 'swipe.recorded', jsonb_build_object('swiperId', v.swiper_id, 'fromCardId', v.from_card_id, 'toCardId', v.to_card_id,
                                                  'toOwnerId', v.to_owner_id, 'action', v.kind, 'swipeId', s.id::text)
        from s join v using (from_card_id, to_card_id) where ${DOMAIN_EVENTS_ON}
    ), p as (
      -- One row per pair (both likes of a pair may share the flush), locked in pair order.
      insert into like_pairs (card_a_id, card_b_id, a_likes_b, b_likes_a)
      select v.a, v.b, bool_or(v.x_is_a), bool_or(not v.x_is_a)
        from s join v using (from_card_id, to_card_id)
       where v.pairs
       group by v.a, v.b
       order by v.a, v.b
      on conflict (card_a_id, card_b_id) do update
        set a_likes_b = like_pairs.a_likes_b or excluded.a_likes_b,
            b_likes_a = like_pairs.b_likes_a or excluded.b_likes_a
      returning card_a_id, card_b_id, a_likes_b and b_likes_a as mutual
    ), a as (
      select * from unnest(${advances.map((a) => a.s.from.id)}::uuid[], ${advances.map((a) => a.s.to.id)}::uuid[], ${advances.map((a) => a.s.swiperId)}::uuid[],
                           ${advances.map((a) => a.s.questDay)}::date[], ${advances.map((a) => a.quest.id)}::text[])
        as a(from_card_id, to_card_id, swiper_id, day, quest_id)
    ), q as (
      -- The quests the stored swipes advance, up to their target: a complete one is left as it is.
      insert into quest_progress (user_id, day, quest_id, count)
      select a.swiper_id, a.day, a.quest_id, least(count(*), (${targets}::int[])[array_position(${questIds}::text[], a.quest_id)])
        from s join a using (from_card_id, to_card_id)
       group by a.swiper_id, a.day, a.quest_id
       order by 1, 2, 3
      on conflict (user_id, day, quest_id) do update
        set count = least(quest_progress.count + excluded.count, (${targets}::int[])[array_position(${questIds}::text[], excluded.quest_id)])
        where quest_progress.count < (${targets}::int[])[array_position(${questIds}::text[], excluded.quest_id)]
      returning user_id, day, quest_id, count
    )
    select 'swipe' as part, from_card_id::text as x, to_card_id::text as y, null::boolean as mutual, null::int as n, null::text as d from s
    union all
    select 'gone', from_card_id::text, to_card_id::text, null, null, null from v where not present
    union all
    select 'pair', card_a_id::text, card_b_id::text, mutual, null, null from p
    union all
    select 'quest', user_id::text, quest_id, null, count, to_char(day, 'YYYY-MM-DD') from q`.execute(db);
  const stored: Stored = { inserted: new Set(), gone: new Set(), mutual: new Map(), questCounts: new Map() };
  for (const row of result.rows) {
    if (row.part === 'swipe') stored.inserted.add(`${row.x}|${row.y}`);
    else if (row.part === 'gone') stored.gone.add(`${row.x}|${row.y}`);
    else if (row.part === 'pair') stored.mutual.set(`${row.x}|${row.y}`, row.mutual === true);
    else stored.questCounts.set(`${row.x}|${row.d}|${row.y}`, Number(row.n));
  }
  return stored;
}

/** Makes each like's match unless the pair has one; answers the ids of the matches made. */
async function insertMatches(db: Db, likes: readonly Reaching[]): Promise<Set<string>> {
  if (likes.length === 0) return new Set();
  const cards = likes.map((s): [SwipeToRecord['from'], SwipeToRecord['to']] => (orderedPair(s.from.id, s.to.id).xIsA ? [s.from, s.to] : [s.to, s.from]));
  const result = await sql<{ id: string }>`
    with m as (
      insert into matches (id, card_a_id, card_b_id, user_a_id, user_b_id)
      select * from unnest(${likes.map((s) => s.reaches.matchIdIfMutual)}::uuid[], ${cards.map(([a]) => a.id)}::uuid[], ${cards.map(([, b]) => b.id)}::uuid[],
                           ${cards.map(([a]) => a.ownerId)}::uuid[], ${cards.map(([, b]) => b.ownerId)}::uuid[])
               as v(id, card_a_id, card_b_id, user_a_id, user_b_id)
       order by card_a_id, card_b_id
      on conflict (card_a_id, card_b_id) do nothing
      returning id, card_a_id, card_b_id, user_a_id, user_b_id
    ), d as (
      insert into domain_event_outbox (type, data)
      select 'match.created', jsonb_build_object('matchId', id, 'cardIds', jsonb_build_array(card_a_id, card_b_id),
             'userIds', case when user_a_id = user_b_id then jsonb_build_array(user_a_id) else jsonb_build_array(user_a_id, user_b_id) end)
        from m where ${DOMAIN_EVENTS_ON}
    ), members as (
      insert into match_members (match_id, user_id)
      select id, user_a_id from m
      union all
      select id, user_b_id from m where user_b_id <> user_a_id
    )
    select id::text as id from m`.execute(db);
  return new Set(result.rows.map((row) => row.id));
}
