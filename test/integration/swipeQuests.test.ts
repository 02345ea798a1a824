import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openDatabase, type DatabaseHandle } from '../../db/database';
import { recordSwipes } from '../../db/repositories/swipeBatchRepository';
import { deletePass, findLastSwipe, type SwipeToRecord, type SwipeWrite } from '../../db/repositories/swipeRepository';
import { utcDay, type QuestDefinition } from '../../domain/progress';
import type { LastSwipe, SwipeAction } from '../../domain/swipeRules';
import { registerPerson, swipeToRecord, type Person } from '../support/matches';
import { useTestCluster } from '../support/cluster';

/** A quest of the test's own, so the day's real quests (which rotate) decide nothing here. */
const QUEST: QuestDefinition = { id: `test-swipes-${randomUUID()}`, title: 'Swipe 3 profiles', action: 'swipe', target: 3, xp: 40 };

/**
 * Swipes count for their quests in the statement that stores them, many users'
 * swipes in one flush: up to the target, a completion settled once with its
 * bonus and events, a repeat counting nothing, a pass taken back counted off.
 */
describe('swipe quests counted with the swipes of a flush', function () {
  const suite = useTestCluster(1);
  let database: DatabaseHandle;
  const day = () => utcDay(Date.now());

  // Per test: closed before the suite's cluster drops its database.
  beforeEach(async () => {
    database = await openDatabase({ kind: 'postgres', url: suite.cluster.env['DATABASE_URL']!, poolSize: 2 });
  });
  afterEach(async () => {
    await database?.close();
  });

  const swipeOf = (from: Person, to: Person, action: SwipeAction = 'pass'): SwipeToRecord => swipeToRecord(from, to, action, [QUEST], day());
  /** One person per title, each with a card. */
  const people = <T extends readonly string[]>(url: string, titles: T): Promise<{ [K in keyof T]: Person }> =>
    Promise.all(titles.map((title) => registerPerson(url, title))) as Promise<{ [K in keyof T]: Person }>;
  const countOf = async (user: Person): Promise<number | undefined> => {
    const { rows } = await suite.cluster.pool.query('select count from quest_progress where user_id = $1 and quest_id = $2', [user.userId, QUEST.id]);
    return rows[0]?.count as number | undefined;
  };
  const xpOf = async (user: Person): Promise<number | undefined> => {
    const { rows } = await suite.cluster.pool.query('select xp from user_progress where user_id = $1', [user.userId]);
    return rows[0] === undefined ? undefined : Number(rows[0].xp);
  };
  const setCount = (user: Person, count: number) =>
    suite.cluster.pool.query('insert into quest_progress (user_id, day, quest_id, count) values ($1, $2, $3, $4)', [user.userId, day(), QUEST.id, count]);
  const recorded = (write: SwipeWrite | undefined) => {
    assert.equal(write?.kind, 'recorded');
    return write as Extract<SwipeWrite, { kind: 'recorded' }>;
  };

  it('counts each stored swipe once, up to the target, and settles a completion once with its bonus, a level crossed and a match in the same flush', async () => {
    const url = suite.nodes[0].url;
    const [closer, done, fresh, repeater, fan, t1, t2, t3] = await people(url, ['closer', 'done', 'fresh', 'repeater', 'fan', 't1', 't2', 't3'] as const);
    await suite.cluster.pool.query('insert into user_progress (user_id, xp) values ($1, 280)', [closer.userId]); // level 2; 300 is level 3
    await Promise.all([setCount(closer, 2), setCount(done, 3), setCount(repeater, 2)]);
    // The repeater's swipe is stored before, and the fan likes the closer first: the closer's like makes a match.
    recorded((await recordSwipes(database.db, [{ ...swipeOf(repeater, t1), quests: [] }, swipeOf(fan, closer, 'like')]))[0]);
    assert.equal(await countOf(fan), 1);

    const writes = await recordSwipes(database.db, [swipeOf(closer, fan, 'like'), swipeOf(done, t1), swipeOf(fresh, t1), swipeOf(repeater, t1), swipeOf(fresh, t2)]);
    const [closing, ofDone, ofFresh] = [recorded(writes[0]), recorded(writes[1]), recorded(writes[2])];
    assert.equal(writes[3]!.kind, 'duplicate');
    // Both of `fresh`'s swipes in one flush count, each once.
    assert.deepEqual(recorded(writes[4]).questsComplete, []);
    assert.deepEqual([await countOf(closer), await countOf(done), await countOf(fresh), await countOf(repeater)], [3, 3, 2, 2]);

    // The closer's like made the match and completed the quest: its bonus on the XP stored before it crosses level 3.
    assert.notEqual(closing.matchId, null);
    const xp = 280 + QUEST.xp;
    assert.equal(await xpOf(closer), xp);
    const own = closing.events.filter((e) => e.userId === closer.userId).map((e) => [e.type, e.data]);
    assert.deepEqual(own.filter(([type]) => type !== 'match.created'), [
      ['quest.completed', { questId: QUEST.id, title: QUEST.title, day: day(), xp: QUEST.xp, totalXp: xp }],
      ['level.up', { level: 3, previousLevel: 2, xp }],
    ]);
    assert.deepEqual(closing.questsComplete, [QUEST.id]);
    // A quest complete before: nothing added, no event, and the session is told it is complete.
    assert.deepEqual([ofDone.events, ofDone.questsComplete, await xpOf(done)], [[], [QUEST.id], undefined]);
    assert.deepEqual([ofFresh.events, ofFresh.questsComplete, await xpOf(fresh)], [[], [], undefined]);

    // A later swipe past the target changes nothing.
    const later = recorded((await recordSwipes(database.db, [swipeOf(closer, t3)]))[0]);
    assert.deepEqual([later.events, later.questsComplete, await countOf(closer), await xpOf(closer)], [[], [QUEST.id], 3, xp]);
  });

  it('counts a pass taken back off its quest, so made again it counts once; a pass that completed the quest leaves it complete', async () => {
    const url = suite.nodes[0].url;
    const [swiper, completer, t1, t2] = await people(url, ['swiper', 'completer', 't1', 't2'] as const);
    await setCount(completer, 2);
    const lastOf = async (user: Person) => (await findLastSwipe(database.db, user.userId))!;
    const take = (user: Person, last: LastSwipe) => deletePass(database.db, user.userId, last, { day: day(), quests: [QUEST] });
    recorded((await recordSwipes(database.db, [swipeOf(swiper, t1), swipeOf(completer, t1)]))[0]);
    assert.deepEqual([await countOf(swiper), await countOf(completer)], [1, 3]);
    const pass = await lastOf(swiper);
    assert.equal(await take(swiper, pass), true);
    assert.equal(await countOf(swiper), 0);
    assert.equal(await take(swiper, pass), false); // taken back already: counted off once
    assert.equal(await countOf(swiper), 0);
    recorded((await recordSwipes(database.db, [swipeOf(swiper, t1), swipeOf(swiper, t2)]))[0]);
    assert.equal(await countOf(swiper), 2);

    // The completing pass taken back and made again: still complete, its bonus added once.
    assert.equal(await take(completer, await lastOf(completer)), true);
    assert.equal(await countOf(completer), 3);
    const again = recorded((await recordSwipes(database.db, [swipeOf(completer, t1)]))[0]);
    assert.deepEqual([again.events, again.questsComplete, await countOf(completer), await xpOf(completer)], [[], [QUEST.id], 3, QUEST.xp]);
  });
});
