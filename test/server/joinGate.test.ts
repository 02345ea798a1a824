import assert from 'node:assert/strict';
import { AppError, ErrorCode } from '../../domain/errors';
import { JoinGate } from '../../server/http/joinGate';

/** A join the test finishes by hand. */
function heldJoin(): { readonly promise: Promise<string>; finish(value: string): void; readonly started: () => boolean; run(): Promise<string> } {
  let finish: (value: string) => void = () => {};
  let started = false;
  const promise = new Promise<string>((resolve) => (finish = resolve));
  return {
    promise,
    finish: (value) => finish(value),
    started: () => started,
    run: () => {
      started = true;
      return promise;
    },
  };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the join gate', () => {
  it('works on at most its limit at once and hands each freed turn to the oldest waiting join', async () => {
    const gate = new JoinGate({ maxInFlight: 2, maxWaitMs: 60_000, retryAfterMs: 1_000 });
    const joins = Array.from({ length: 5 }, () => heldJoin());
    const answers = joins.map((join) => gate.run(join.run));
    await settle();
    assert.deepEqual(joins.map((j) => j.started()), [true, true, false, false, false]);
    assert.deepEqual(gate.load, { inFlight: 2, waiting: 3 });
    joins[1]!.finish('b');
    await settle();
    assert.deepEqual(joins.map((j) => j.started()), [true, true, true, false, false]);
    // A join arriving now waits behind the ones already waiting.
    const late = heldJoin();
    const lateAnswer = gate.run(late.run);
    joins[0]!.finish('a');
    await settle();
    assert.deepEqual([...joins.map((j) => j.started()), late.started()], [true, true, true, true, false, false]);
    for (const [i, join] of joins.entries()) join.finish(String.fromCharCode(97 + i));
    await settle();
    assert.equal(late.started(), true);
    late.finish('late');
    assert.deepEqual(await Promise.all([...answers, lateAnswer]), ['a', 'b', 'c', 'd', 'e', 'late']);
    assert.deepEqual(gate.load, { inFlight: 0, waiting: 0 });
  });

  it('refuses a join that waited too long, with a retry hint, and never runs it', async () => {
    let refused = 0;
    const gate = new JoinGate({ maxInFlight: 1, maxWaitMs: 20, retryAfterMs: 20 }, () => refused++, () => 0.5);
    const holder = heldJoin();
    const held = gate.run(holder.run);
    const waiting = heldJoin();
    const error = await gate.run(waiting.run).then(
      () => assert.fail('a join waiting behind one that never finishes was admitted'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof AppError);
    assert.equal(error.code, ErrorCode.UNAVAILABLE);
    assert.equal(error.retryAfterMs, 30);
    assert.equal(refused, 1);
    holder.finish('done');
    assert.equal(await held, 'done');
    await settle();
    assert.equal(waiting.started(), false, 'the refused join never ran');
    assert.deepEqual(gate.load, { inFlight: 0, waiting: 0 });
  });

  it('frees the turn of a join that failed', async () => {
    const gate = new JoinGate({ maxInFlight: 1, maxWaitMs: 60_000, retryAfterMs: 1_000 });
    const failing = gate.run(() => Promise.reject(new Error('no seat')));
    const next = gate.run(() => Promise.resolve('served'));
    await assert.rejects(failing, /no seat/);
    assert.equal(await next, 'served');
    assert.deepEqual(gate.load, { inFlight: 0, waiting: 0 });
  });
});
