import assert from 'node:assert/strict';
import {
  decideRewind,
  decideSwipe,
  likesLeft,
  orderedPair,
  quotaDayStartMs,
  type SwipeCard,
  type SwipeContext,
} from '../../domain/swipeRules';

const policy = { dailyLikeQuota: 3 };
const mine: SwipeCard = { id: 'card-me', ownerId: 'me', kind: 'person', active: true, ownerHidden: false };
const theirs: SwipeCard = { id: 'card-them', ownerId: 'them', kind: 'person', active: true, ownerHidden: false };
const base: SwipeContext = {
  swiperId: 'me',
  swiperIsPremium: false,
  from: mine,
  to: theirs,
  blocked: false,
  formerMatch: false,
  previous: undefined,
  likesToday: 0,
};
const codeOf = (context: Partial<SwipeContext>, action: 'like' | 'pass' | 'superlike' = 'like') => {
  const decision = decideSwipe({ ...base, ...context }, action, policy);
  return decision.kind === 'refused' ? decision.code : decision.kind;
};

describe('decideSwipe', () => {
  describe('a like between two active, unrelated people', () => {
    it('is recorded', () => assert.deepEqual(decideSwipe(base, 'like', policy), { kind: 'record', action: 'like' }));
  });

  describe('cards that do not exist or are not the swiper’s', () => {
    it('refuses a missing card to swipe from', () => assert.equal(codeOf({ from: undefined }), 'CARD_NOT_FOUND'));
    it('refuses a missing card to swipe on', () => assert.equal(codeOf({ to: undefined }), 'CARD_NOT_FOUND'));
    it('refuses swiping from someone else’s card', () => assert.equal(codeOf({ from: { ...mine, ownerId: 'other' } }), 'NOT_YOUR_CARD'));
  });

  describe('self', () => {
    it('refuses the same card', () => assert.equal(codeOf({ to: mine }), 'SELF_SWIPE'));
    it('refuses another card of the same owner', () => assert.equal(codeOf({ to: { ...theirs, ownerId: 'me' } }), 'SELF_SWIPE'));
  });

  describe('cards the swiper may not see: the same answer as a card that does not exist', () => {
    const missing = decideSwipe({ ...base, to: undefined }, 'pass', policy);
    const hidden: Array<[string, Partial<SwipeContext>]> = [
      ['a deactivated card', { to: { ...theirs, active: false } }],
      ['a banned or shadow-banned owner', { to: { ...theirs, ownerHidden: true } }],
      ['a block, either way', { blocked: true }],
      ['an owner whose match with the swiper ended', { formerMatch: true }],
    ];
    for (const [what, context] of hidden) {
      it(`refuses ${what} as missing, a pass too`, () => {
        assert.deepEqual(decideSwipe({ ...base, ...context }, 'pass', policy), missing);
        assert.deepEqual(decideSwipe({ ...base, ...context }, 'like', policy), missing);
      });
      it(`refuses ${what} as missing, before what would tell it exists`, () => {
        const telling: Partial<SwipeContext> = { from: { ...mine, kind: 'job', active: false }, to: { ...theirs, kind: 'job', ...context.to }, likesToday: 3 };
        assert.deepEqual(decideSwipe({ ...base, ...context, ...telling }, 'like', policy), decideSwipe({ ...base, ...telling, to: undefined }, 'like', policy));
      });
    }
    it('answers CARD_NOT_FOUND', () => assert.equal(missing.kind === 'refused' && missing.code, 'CARD_NOT_FOUND'));
  });

  describe('the card swiped from', () => {
    it('refuses a deactivated one of one’s own', () => assert.equal(codeOf({ from: { ...mine, active: false } }), 'CARD_INACTIVE'));
    it('is not asked about its owner: a shadow-banned swiper’s swipe is decided as anyone’s', () =>
      assert.equal(codeOf({ from: { ...mine, ownerHidden: true } }), 'record'));
  });

  describe('kinds', () => {
    it('refuses a job swiping on a job', () =>
      assert.equal(codeOf({ from: { ...mine, kind: 'job' }, to: { ...theirs, kind: 'job' } }), 'INCOMPATIBLE_CARDS'));
    it('lets a job swipe on a person', () => assert.equal(codeOf({ from: { ...mine, kind: 'job' } }), 'record'));
  });

  describe('the daily like quota', () => {
    it('allows the last like of the day', () => assert.equal(codeOf({ likesToday: 2 }), 'record'));
    it('refuses a like past it', () => assert.equal(codeOf({ likesToday: 3 }), 'LIKE_QUOTA_EXCEEDED'));
    it('counts a superlike as a like', () => assert.equal(codeOf({ likesToday: 3 }, 'superlike'), 'LIKE_QUOTA_EXCEEDED'));
    it('never limits passes', () => assert.equal(codeOf({ likesToday: 3 }, 'pass'), 'record'));
    it('does not apply to premium', () => assert.equal(codeOf({ likesToday: 500, swiperIsPremium: true }), 'record'));
  });

  describe('a repeat of an earlier swipe of the pair', () => {
    it('answers the first result, whatever the action now', () =>
      assert.deepEqual(decideSwipe({ ...base, previous: { action: 'pass', matchId: null } }, 'like', policy), {
        kind: 'repeat',
        action: 'pass',
        matchId: null,
      }));
    it('carries the match the first like made', () =>
      assert.deepEqual(decideSwipe({ ...base, previous: { action: 'like', matchId: 'm1' } }, 'like', policy), {
        kind: 'repeat',
        action: 'like',
        matchId: 'm1',
      }));
    it('is answered even once the quota is spent or the card deactivated', () =>
      assert.equal(codeOf({ previous: { action: 'like', matchId: null }, likesToday: 3, to: { ...theirs, active: false } }), 'repeat'));
    it('is answered after a block or a ban too: the first answer, which tells nothing new', () =>
      assert.equal(codeOf({ previous: { action: 'pass', matchId: null }, blocked: true, to: { ...theirs, ownerHidden: true } }), 'repeat'));
    it('is still refused for self', () => assert.equal(codeOf({ previous: { action: 'like', matchId: null }, to: mine }), 'SELF_SWIPE'));
  });
});

describe('likesLeft', () => {
  it('counts down for free accounts, never below zero', () => {
    assert.equal(likesLeft(false, 1, policy), 2);
    assert.equal(likesLeft(false, 7, policy), 0);
  });
  it('is unlimited (null) for premium', () => assert.equal(likesLeft(true, 1, policy), null));
});

describe('quotaDayStartMs', () => {
  it('is midnight UTC of the same day', () => {
    const noon = Date.UTC(2026, 10, 23, 12, 30);
    assert.equal(quotaDayStartMs(noon), Date.UTC(2026, 10, 23));
    assert.equal(quotaDayStartMs(Date.UTC(2026, 10, 23)), Date.UTC(2026, 10, 23));
  });
});

describe('decideRewind', () => {
  const pass = { id: '7', action: 'pass' as const, fromCardId: 'card-me', toCardId: 'card-them' };
  it('undoes the last pass of a premium account', () =>
    assert.deepEqual(decideRewind({ isPremium: true, last: pass, lastRewoundId: null }), { kind: 'rewind', swipe: pass }));
  it('is premium only', () =>
    assert.equal((decideRewind({ isPremium: false, last: pass, lastRewoundId: null }) as { code: string }).code, 'PREMIUM_REQUIRED'));
  it('refuses when the last swipe was a like', () =>
    assert.equal(
      (decideRewind({ isPremium: true, last: { ...pass, action: 'like' }, lastRewoundId: null }) as { code: string }).code,
      'NOTHING_TO_REWIND',
    ));
  it('refuses with no swipe at all', () =>
    assert.equal((decideRewind({ isPremium: true, last: undefined, lastRewoundId: null }) as { code: string }).code, 'NOTHING_TO_REWIND'));
  it('refuses a second rewind before another swipe', () =>
    assert.equal((decideRewind({ isPremium: true, last: pass, lastRewoundId: pass.id }) as { code: string }).code, 'NOTHING_TO_REWIND'));
  it('refuses an older pass, left newest by the rewind, and allows a newer one (ids compared as numbers)', () => {
    assert.equal((decideRewind({ isPremium: true, last: { ...pass, id: '6' }, lastRewoundId: '7' }) as { code: string }).code, 'NOTHING_TO_REWIND');
    assert.deepEqual(decideRewind({ isPremium: true, last: { ...pass, id: '10' }, lastRewoundId: '9' }), { kind: 'rewind', swipe: { ...pass, id: '10' } });
  });
});

describe('orderedPair', () => {
  it('puts the smaller id first and says where the first argument went', () => {
    assert.deepEqual(orderedPair('b', 'a'), { a: 'a', b: 'b', xIsA: false });
    assert.deepEqual(orderedPair('a', 'b'), { a: 'a', b: 'b', xIsA: true });
  });
});
