import assert from 'node:assert/strict';
import { AppError, ErrorCode } from '../../../domain/errors';
import { eventChatPace } from '../../../domain/liveEventRules';
import { EventChat } from '../../../rooms/event/eventChat';

const attendee = (n: number) => ({ userId: `u${n}`, role: 'audience' as const, alias: `alias-${n}` });
const host = { userId: 'host', role: 'host' as const, alias: 'alias-host' };

/** The refusal's code and wait, or undefined when the message was let through. */
function refusal(say: () => unknown): { code: string; retryAfterMs: number } | undefined {
  try {
    say();
    return undefined;
  } catch (error) {
    assert.ok(error instanceof AppError);
    return { code: error.code, retryAfterMs: Number(error.retryAfterMs) };
  }
}

describe('an event chat and its pace', () => {
  it('lets a full event’s attendees say what its pace allows, then tells them when to try again; hosts are not held', () => {
    const chat = new EventChat();
    chat.setSlowMode(30);
    const { perSecond } = eventChatPace(2000);
    for (let n = 0; n < perSecond; n++) assert.equal(refusal(() => chat.say(attendee(n), 'hi', 1000, 2000)), undefined, `message ${n}`);
    const refused = refusal(() => chat.say(attendee(99), 'hi', 1000, 2000));
    assert.equal(refused?.code, ErrorCode.SLOW_MODE);
    assert.equal(refused?.retryAfterMs, 1000 / perSecond);
    assert.equal(refusal(() => chat.say(host, 'welcome', 1000, 2000)), undefined);
    // What the pace refused does not count as said: slow mode does not hold them for it, and once the pace allows they say it.
    assert.equal(refusal(() => chat.say(attendee(99), 'hi', 1000 + 1000 / perSecond, 2000)), undefined);
  });

  it('never holds a small event’s chat: each person’s own bucket binds first', () => {
    const chat = new EventChat();
    for (let n = 0; n < 500; n++) assert.equal(refusal(() => chat.say(attendee(n), 'hi', 1000, 30)), undefined, `message ${n}`);
  });

  it('still keeps slow mode per attendee', () => {
    const chat = new EventChat();
    chat.setSlowMode(30);
    assert.equal(refusal(() => chat.say(attendee(1), 'hi', 1000, 30)), undefined);
    assert.deepEqual(refusal(() => chat.say(attendee(1), 'again', 11_000, 30)), { code: ErrorCode.SLOW_MODE, retryAfterMs: 20_000 });
  });
});
