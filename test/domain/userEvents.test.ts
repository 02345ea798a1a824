import assert from 'node:assert/strict';
import {
  NEW_DEVICE_BACKLOG,
  PROFILE_VIEW_NOTIFY_INTERVAL_MS,
  deliveryStartSeq,
  likeReceivedEvent,
  matchCreatedEvents,
  shouldNotifyProfileView,
} from '../../domain/userEvents';

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

describe('shouldNotifyProfileView', () => {
  const now = 10 * PROFILE_VIEW_NOTIFY_INTERVAL_MS;
  it('notifies the first view', () => assert.equal(shouldNotifyProfileView({ viewerId: 'a', ownerId: 'b', lastNotifiedMs: undefined, nowMs: now }), true));
  it('stays quiet on a repeat view within the window', () =>
    assert.equal(shouldNotifyProfileView({ viewerId: 'a', ownerId: 'b', lastNotifiedMs: now - 1, nowMs: now }), false));
  it('notifies again once the window has passed', () =>
    assert.equal(shouldNotifyProfileView({ viewerId: 'a', ownerId: 'b', lastNotifiedMs: now - PROFILE_VIEW_NOTIFY_INTERVAL_MS, nowMs: now }), true));
  it('never notifies owners viewing their own card', () =>
    assert.equal(shouldNotifyProfileView({ viewerId: 'a', ownerId: 'a', lastNotifiedMs: undefined, nowMs: now }), false));
});

describe('deliveryStartSeq', () => {
  it('resumes after what the device acknowledged', () => assert.equal(deliveryStartSeq(12, 20), 12));
  it('never starts past the newest event', () => assert.equal(deliveryStartSeq(30, 20), 20));
  it('gives a new device the whole stream when it is short', () => assert.equal(deliveryStartSeq(undefined, 20), 0));
  it('gives a new device only the recent backlog of a long stream', () =>
    assert.equal(deliveryStartSeq(undefined, NEW_DEVICE_BACKLOG + 75), 75));
});
