import assert from 'node:assert/strict';
import {
  actionKey,
  isProfileComplete,
  levelForXp,
  stayNeededToAttend,
  matchPairKey,
  progressView,
  QUEST_POOL,
  QUESTS_PER_DAY,
  questsAdvancedBy,
  questsForDay,
  settleProgress,
  utcDay,
  XP_RULES,
  xpForLevel,
} from '../../domain/progress';

describe('progress', () => {
  describe('XP rules', () => {
    it('gives a match 100 XP and rewards a first message, an event attended and a completed profile', () => {
      assert.equal(XP_RULES.match, 100);
      assert.ok(XP_RULES.first_message > 0 && XP_RULES.event_attended > 0 && XP_RULES.profile_completed > 0);
    });

    it('keys an action by its kind and id', () => {
      assert.equal(actionKey('match', 'm1'), 'match:m1');
      assert.notEqual(actionKey('match', 'x'), actionKey('first_message', 'x'));
    });

    it('counts attending an event for 10 minutes up to its end, or half of an event shorter than 20 minutes', () => {
      const minute = 60_000;
      assert.equal(stayNeededToAttend(60 * minute), 10 * minute);
      assert.equal(stayNeededToAttend(20 * minute), 10 * minute);
      assert.equal(stayNeededToAttend(15 * minute), 7.5 * minute);
    });

    it('keys a match by the two people it joins, whichever side and card each was on', () => {
      assert.equal(matchPairKey(['u2', 'u1']), 'match:u1:u2');
      assert.equal(matchPairKey(['u1', 'u2']), matchPairKey(['u2', 'u1']));
      assert.notEqual(matchPairKey(['u1', 'u2']), matchPairKey(['u1', 'u3']));
    });
  });

  describe('levels', () => {
    it('starts at level 1 and costs 100 more XP per level', () => {
      assert.deepEqual([0, 99, 100, 299, 300, 599, 600, 1000].map(levelForXp), [1, 1, 2, 2, 3, 3, 4, 5]);
      assert.deepEqual([1, 2, 3, 4, 5].map(xpForLevel), [0, 100, 300, 600, 1000]);
    });

    it('puts every XP total inside its level’s bounds', () => {
      for (let xp = 0; xp < 5000; xp += 37) {
        const level = levelForXp(xp);
        assert.ok(xpForLevel(level) <= xp && xp < xpForLevel(level + 1), `xp ${xp}`);
      }
    });
  });

  describe('daily quests', () => {
    it('names the UTC day of an instant', () => {
      assert.equal(utcDay(Date.UTC(2026, 11, 2, 23, 59, 59)), '2026-12-02');
      assert.equal(utcDay(Date.UTC(2026, 11, 3, 0, 0, 0)), '2026-12-03');
    });

    it('assigns the same distinct quests to a day and rotates them day by day', () => {
      const days = ['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04'];
      const sets = days.map((day) => questsForDay(day).map((q) => q.id));
      for (const set of sets) {
        assert.equal(set.length, QUESTS_PER_DAY);
        assert.equal(new Set(set).size, set.length);
      }
      assert.deepEqual(questsForDay('2026-12-02'), questsForDay('2026-12-02'));
      assert.equal(new Set(sets.map((s) => s.join())).size, days.length);
      // Over a pool's worth of days every quest comes up.
      assert.deepEqual(new Set(sets.flat()), new Set(QUEST_POOL.map((q) => q.id)));
    });

    it('advances only the day’s quests of the action', () => {
      for (const day of ['2026-12-01', '2026-12-02']) {
        const ids = questsForDay(day).filter((q) => q.action === 'swipe').map((q) => q.id);
        assert.deepEqual(questsAdvancedBy('swipe', day).map((q) => q.id), ids);
      }
    });
  });

  describe('settleProgress', () => {
    const quest = QUEST_POOL.find((q) => q.action === 'match')!;

    it('adds the action’s XP and reports a level crossed', () => {
      assert.deepEqual(settleProgress({ xpBefore: 0, xp: 100, quests: [] }), { xpGained: 100, xpAfter: 100, completed: [], levelUp: { from: 1, to: 2 } });
      assert.equal(settleProgress({ xpBefore: 100, xp: 100, quests: [] }).levelUp, undefined);
    });

    it('completes a quest when its count reaches the target, once', () => {
      const reached = settleProgress({ xpBefore: 0, xp: 100, quests: [{ quest, count: quest.target }] });
      assert.deepEqual(reached.completed, [quest]);
      assert.equal(reached.xpGained, 100 + quest.xp);
      const past = settleProgress({ xpBefore: 500, xp: 100, quests: [{ quest, count: quest.target + 1 }] });
      assert.deepEqual(past.completed, []);
      const short = settleProgress({ xpBefore: 0, xp: 0, quests: [{ ...{ quest: { ...quest, target: 3 } }, count: 2 }] });
      assert.deepEqual(short.completed, []);
    });

    it('counts a quest’s XP towards the level', () => {
      const outcome = settleProgress({ xpBefore: 250, xp: 20, quests: [{ quest: { ...quest, xp: 40 }, count: quest.target }] });
      assert.deepEqual(outcome.levelUp, { from: 2, to: 3 });
    });
  });

  describe('progressView', () => {
    it('shows the level bounds and today’s quests with capped counts', () => {
      const day = '2026-12-02';
      const [first] = questsForDay(day);
      const view = progressView(150, day, new Map([[first!.id, first!.target + 5]]));
      assert.deepEqual([view.xp, view.level, view.levelStartXp, view.nextLevelXp, view.day], [150, 2, 100, 300, day]);
      assert.deepEqual(view.quests.map((q) => q.id), questsForDay(day).map((q) => q.id));
      assert.deepEqual([view.quests[0]!.count, view.quests[0]!.completed], [first!.target, true]);
      assert.ok(view.quests.slice(1).every((q) => q.count === 0 && !q.completed));
    });
  });
});

describe('isProfileComplete', () => {
  const card = { kind: 'person', title: 'Ada', bio: 'climbs', birthYear: 1990, tags: [1, 2, 3] };
  it('wants a person’s title, bio, birth year and three tags', () => {
    assert.equal(isProfileComplete(card), true);
    assert.equal(isProfileComplete({ ...card, bio: '  ' }), false);
    assert.equal(isProfileComplete({ ...card, birthYear: null }), false);
    assert.equal(isProfileComplete({ ...card, tags: [1, 2] }), false);
    assert.equal(isProfileComplete({ ...card, kind: 'job' }), false);
  });
});
