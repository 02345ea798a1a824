import assert from 'node:assert/strict';
import {
  decideEventCreation,
  MAX_EVENTS_CREATED_PER_HOST,
  MAX_UPCOMING_EVENTS_PER_HOST,
  decideLiveEventJoin, decideModeration, DOORS_OPEN_BEFORE_MS, EVENT_CHAT_DELIVERIES_PER_S, eventChatPace, liveEventPhase, lowerHand, raiseHand, slowModeWaitMs } from '../../domain/liveEventRules';

const event = { startsAt: 1_000_000_000, endsAt: 1_000_000_000 + 3_600_000 };

describe('live event rules', () => {
  it('lets a host create events up to 50 not yet over and 200 created in 30 days', () => {
    assert.equal(decideEventCreation(MAX_UPCOMING_EVENTS_PER_HOST - 1, MAX_EVENTS_CREATED_PER_HOST - 1), undefined);
    assert.equal(decideEventCreation(MAX_UPCOMING_EVENTS_PER_HOST, 0)?.code, 'EVENT_LIMIT_REACHED');
    assert.equal(decideEventCreation(0, MAX_EVENTS_CREATED_PER_HOST)?.code, 'EVENT_LIMIT_REACHED');
  });
  it('opens the doors 10 minutes before the start and closes them at the end', () => {
    assert.equal(liveEventPhase(event, event.startsAt - DOORS_OPEN_BEFORE_MS - 1), 'scheduled');
    assert.equal(liveEventPhase(event, event.startsAt - DOORS_OPEN_BEFORE_MS), 'open');
    assert.equal(liveEventPhase(event, event.endsAt - 1), 'open');
    assert.equal(liveEventPhase(event, event.endsAt), 'ended');
  });

  it('admits registrants to a seat and hosts without one, only while the doors are open', () => {
    assert.deepEqual(decideLiveEventJoin({ isHost: false, registered: true, phase: 'open' }), { kind: 'join', role: 'audience', takesSeat: true });
    assert.deepEqual(decideLiveEventJoin({ isHost: true, registered: false, phase: 'open' }), { kind: 'join', role: 'host', takesSeat: false });
    const code = (input: Parameters<typeof decideLiveEventJoin>[0]) => {
      const d = decideLiveEventJoin(input);
      return d.kind === 'refused' ? d.code : d.kind;
    };
    assert.equal(code({ isHost: false, registered: false, phase: 'open' }), 'NOT_REGISTERED');
    assert.equal(code({ isHost: false, registered: true, phase: 'scheduled' }), 'EVENT_NOT_OPEN');
    assert.equal(code({ isHost: true, registered: false, phase: 'ended' }), 'EVENT_ENDED');
  });

  it('keeps raised hands in the order raised; raising twice keeps one’s place', () => {
    let queue = raiseHand(raiseHand(raiseHand([], 'b'), 'a'), 'c');
    queue = raiseHand(queue, 'b');
    assert.deepEqual(queue, ['b', 'a', 'c']);
    assert.deepEqual(lowerHand(queue, 'a'), ['b', 'c']);
  });

  it('lets only hosts moderate, and nobody moderate a host or someone absent', () => {
    assert.deepEqual(decideModeration('host', 'audience'), { ok: true });
    assert.deepEqual(decideModeration('host', 'speaker'), { ok: true });
    for (const [actor, target, code] of [['speaker', 'audience', 'NOT_A_HOST'], ['audience', 'audience', 'NOT_A_HOST'], ['host', 'host', 'NOT_A_HOST'], ['host', undefined, 'NOT_ATTENDING']] as const) {
      const decision = decideModeration(actor, target);
      assert.equal(decision.ok ? 'ok' : decision.code, code);
    }
  });

  it('makes attendees wait out slow mode from their last message; hosts never wait', () => {
    assert.equal(slowModeWaitMs({ role: 'audience', slowModeS: 30, lastSentMs: undefined, nowMs: 1000 }), 0);
    assert.equal(slowModeWaitMs({ role: 'audience', slowModeS: 30, lastSentMs: 1000, nowMs: 11_000 }), 20_000);
    assert.equal(slowModeWaitMs({ role: 'speaker', slowModeS: 30, lastSentMs: 1000, nowMs: 31_000 }), 0);
    assert.equal(slowModeWaitMs({ role: 'host', slowModeS: 30, lastSentMs: 1000, nowMs: 1001 }), 0);
    assert.equal(slowModeWaitMs({ role: 'audience', slowModeS: 0, lastSentMs: 1000, nowMs: 1001 }), 0);
  });

  it('paces an event chat by its size: messages times connections stay near the deliveries a second, one message a second at least', () => {
    assert.deepEqual(eventChatPace(2000), { perSecond: 10, burst: 10 });
    assert.equal(eventChatPace(20).perSecond * 20, EVENT_CHAT_DELIVERIES_PER_S);
    assert.deepEqual(eventChatPace(0), eventChatPace(1));
    assert.deepEqual(eventChatPace(1_000_000), { perSecond: 1, burst: 1 });
  });
});
