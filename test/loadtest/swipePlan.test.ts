import assert from 'node:assert/strict';
import { planSwipes } from '../../loadtest/scenarios/swipePlan';

describe('the swipes benchmark’s plan', () => {
  const cards = Array.from({ length: 400 }, (_, i) => `card-${i}`);
  /** Two load processes' plans over the same cards, as `runSwipes` makes them. */
  const plans = (hotCards: number) =>
    [0, 200].map((offset) => ({ offset, ...planSwipes({ ownCards: cards.slice(offset, offset + 200), allCards: cards, offset, slots: 4000, mutualFraction: 0.05, hotCards }) }));
  const likesOf = (hotCards: number) =>
    plans(hotCards).flatMap((p) => p.swipes.filter((s) => s.action === 'like').map((s) => ({ from: cards[p.offset + s.user]!, to: s.toCardId })));

  for (const hotCards of [0, 20]) {
    it(`makes exactly the planned mutual pairs, and no like twice (${hotCards} popular cards)`, () => {
      const likes = likesOf(hotCards);
      const liked = new Set(likes.map((l) => `${l.from}>${l.to}`));
      const mutual = likes.filter((l) => liked.has(`${l.to}>${l.from}`)).length / 2;
      assert.equal(mutual, plans(hotCards).reduce((n, p) => n + p.mutualPairs, 0));
      assert.ok(mutual > 0);
      assert.equal(liked.size, likes.length, 'a like repeated');
    });
  }

  it('sends the likes outside the mutual pairs to the popular cards, whose owners like nobody else', () => {
    const hot = new Set(Array.from({ length: 20 }, (_, k) => cards[2 * k + 1]!));
    const likes = likesOf(20);
    const liked = new Set(likes.map((l) => `${l.from}>${l.to}`));
    const outside = likes.filter((l) => !liked.has(`${l.to}>${l.from}`));
    assert.ok(outside.length > 1000, `${outside.length} likes outside the mutual pairs`);
    // Those whose partner owns a popular card (the first 40 cards' owners) like as without them.
    const partnersOfHot = new Set(cards.slice(0, 40));
    assert.deepEqual(outside.filter((l) => !hot.has(l.to) && !partnersOfHot.has(l.from)), [], 'a like outside the pairs went elsewhere');
    assert.deepEqual(likes.filter((l) => hot.has(l.from) && !liked.has(`${l.to}>${l.from}`)), [], 'a popular card’s owner liked someone');
    assert.ok(likesOf(0).filter((l) => hot.has(l.to)).length < outside.length / 10, 'without them, likes spread');
  });
});
