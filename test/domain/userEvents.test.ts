import assert from 'node:assert/strict';
import {
  MAX_DEVICE_CURSORS,
  NEW_DEVICE_BACKLOG,
  PROFILE_VIEW_NOTIFY_INTERVAL_MS,
  deliveryStartSeq,
  likeReceivedEvent,
  matchCreatedEvents,
  shouldNotifyProfileView,
} from '../../domain/userEvents';
import { COMMAND_RULES, MAX_CONNECTIONS_PER_ACTOR, takeToken } from '../../domain/rateLimits';

describe('matchCreatedEvents', () => {
  it('tells each owner about their own card and the other side', () => {
    const events = matchCreatedEvents('m1', { id: 'c1', ownerId: 'u1' }, { id: 'c2', ownerId: 'u2' });
    assert.deepEqual(
      events.map((e) => [e.userId, e.type, e.data]),
      [
        ['u1', 'match.created', { matchId: 'm1', threadId: 'm1', cardId: 'c1', otherCardId: 'c2', otherUserId: 'u2' }],
        ['u2', 'match.created', { matchId: 'm1', threadId: 'm1', cardId: 'c2', otherCardId: 'c1', otherUserId: 'u1' }],
      ],
    );
  });
});

describe('likeReceivedEvent', () => {
  const like = { fromCardId: 'c1', fromUserId: 'u1', toCardId: 'c2', superlike: false };
  it('shows premium recipients who liked them', () =>
    assert.deepEqual(likeReceivedEvent({ userId: 'u2', isPremium: true }, like).data, like));
  it('shows free recipients nothing but the count (added in storage)', () => {
    const event = likeReceivedEvent({ userId: 'u2', isPremium: false }, like);
    assert.deepEqual(event.data, {});
    assert.equal(event.countsLike, true);
  });
});

describe('profile view notices', () => {
  it('tell an owner of someone else’s view, never of their own', () => {
    assert.equal(shouldNotifyProfileView({ viewerId: 'a', ownerId: 'b' }), true);
    assert.equal(shouldNotifyProfileView({ viewerId: 'a', ownerId: 'a' }), false);
  });
  it('come once per viewer and card in the window: the profile.notice bucket', () => {
    const rule = COMMAND_RULES['profile.notice'];
    const first = takeToken(undefined, rule, 0);
    assert.equal(first.allowed, true);
    assert.equal(takeToken(first.bucket, rule, PROFILE_VIEW_NOTIFY_INTERVAL_MS - 1).allowed, false, 'a repeat within the window');
    assert.equal(takeToken(first.bucket, rule, PROFILE_VIEW_NOTIFY_INTERVAL_MS).allowed, true, 'once the window has passed');
  });
});

describe('deliveryStartSeq', () => {
  it('resumes after what the device acknowledged', () => assert.equal(deliveryStartSeq(12, 20), 12));
  it('never starts past the newest event', () => assert.equal(deliveryStartSeq(30, 20), 20));
  it('gives a new device the whole stream when it is short', () => assert.equal(deliveryStartSeq(undefined, 20), 0));
  it('gives a new device only the recent backlog of a long stream', () =>
    assert.equal(deliveryStartSeq(undefined, NEW_DEVICE_BACKLOG + 75), 75));
});

describe('MAX_DEVICE_CURSORS', () => {
  it('keeps a cursor for every device a person may connect at once, so they never push each other out', () =>
    assert.ok(MAX_DEVICE_CURSORS >= MAX_CONNECTIONS_PER_ACTOR));
});
