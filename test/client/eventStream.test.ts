import assert from 'node:assert/strict';
import { EventStream } from '../../client/eventStream';
import { rejoinDelayMs, rejoinPauseMs, REJOIN_MAX_DELAY_MS, shouldRejoin } from '../../client/rejoinPolicy';
import { toKismetError } from '../../client/errors';
import type { UserEventMessage } from '../../contracts/session';

const event = (seq: number | null): UserEventMessage =>
  ({ seq, at: 0, type: 'like.received', data: { count: seq ?? 0 } }) as UserEventMessage;

describe('client event stream', () => {
  it('delivers each stored event once, in order, however often it is resent', async () => {
    const delivered: Array<number | null> = [];
    const acks: number[] = [];
    const stream = new EventStream((e) => delivered.push(e.seq), async (seq) => acks.push(seq), 60_000);
    for (const seq of [1, 2, 3, 2, 3, 4, 1]) stream.receive(event(seq));
    stream.receive(event(null));
    stream.receive(event(null));
    assert.deepEqual(delivered, [1, 2, 3, 4, null, null]);
    await stream.flush();
    assert.deepEqual(acks, [4]);
    assert.equal(stream.ackedSeq, 4);
    await stream.flush();
    assert.deepEqual(acks, [4], 'nothing new: no second ack');
    stream.stop();
  });

  it('starts after the seq it is told was handled before', () => {
    const delivered: Array<number | null> = [];
    const stream = new EventStream((e) => delivered.push(e.seq), async () => undefined, 60_000, 7);
    for (const seq of [6, 7, 8]) stream.receive(event(seq));
    assert.deepEqual(delivered, [8]);
    stream.stop();
  });
});

describe('client rejoin policy', () => {
  it('rejoins after a drain, a lost node, a fence or a flood, and not after a ban, a closed thread, an ended event or a leave', () => {
    for (const code of [1006, 4501, 4504, 4507, 4429]) assert.equal(shouldRejoin(code), true, String(code));
    for (const code of [1000, 4000, 4502, 4503, 4505, 4506, 4508, 4509]) assert.equal(shouldRejoin(code), false, String(code));
  });

  it('rejoins at once, but only after the longest backoff once closed for sending too many messages', () => {
    for (const code of [1006, 4501, 4504, 4507]) assert.equal(rejoinPauseMs(code), 0, String(code));
    assert.equal(rejoinPauseMs(4429), REJOIN_MAX_DELAY_MS);
  });

  it('backs off from at once to 10 s, and never sooner than retryAfterMs', () => {
    assert.equal(rejoinDelayMs(0, 0.5), 0);
    assert.equal(rejoinDelayMs(1, 0.5), 500);
    assert.equal(rejoinDelayMs(2, 0.5), 1000);
    assert.equal(rejoinDelayMs(3, 0.5), 2000);
    assert.equal(rejoinDelayMs(30, 0.99), REJOIN_MAX_DELAY_MS);
    assert.ok(rejoinDelayMs(1, 0) >= 375 && rejoinDelayMs(1, 0.999) <= 625);
    assert.equal(rejoinDelayMs(1, 0.5, 3000), 3000);
  });
});

describe('client errors', () => {
  it('reads the code of a rejected request, an HTTP body and a matchmaking message', () => {
    const rejected = Object.assign(new Error('request rejected'), { name: 'rejected', reason: { code: 'UNAVAILABLE', message: 'down', retryAfterMs: 500 } });
    assert.deepEqual([toKismetError(rejected).code, toKismetError(rejected).retryAfterMs], ['UNAVAILABLE', 500]);
    assert.equal(toKismetError({ code: 'EMAIL_TAKEN', message: 'taken' }).code, 'EMAIL_TAKEN');
    assert.equal(toKismetError(new Error('NOT_YOUR_SESSION: no')).code, 'NOT_YOUR_SESSION');
  });
});
