import assert from 'node:assert/strict';
import { GroupCommit, type GroupCommitClock, type GroupCommitLimits } from '../../db/groupCommit';
import { unavailable } from '../../domain/errors';

/** A group commit whose flushes are recorded and answered when the test says. */
function recorded(gatherTurn: boolean, more: Partial<GroupCommitLimits> = {}, clock?: GroupCommitClock) {
  const flushes: number[][] = [];
  const pending: Array<{ answer(): void; fail(error: Error): void }> = [];
  const commits = new GroupCommit<number, string>(
    (inputs) => {
      flushes.push([...inputs]);
      return new Promise((resolve, reject) => pending.push({ answer: () => resolve(inputs.map((n) => `done ${n}`)), fail: reject }));
    },
    { maxInFlight: 1, maxBatch: 250, gatherTurn, ...more },
    clock,
  );
  return { commits, flushes, answerNext: () => pending.shift()?.answer(), failNext: (error: Error) => pending.shift()?.fail(error) };
}

/** A clock the test moves, whose timers run when the test says. */
function manualClock() {
  const timers: Array<{ at: number; run: () => void }> = [];
  const clock = {
    at: 0,
    now: () => clock.at,
    after: (ms: number, run: () => void) => void timers.push({ at: clock.at + ms, run }),
    /** Moves to `at` and runs the timers due by then. */
    advance(at: number) {
      clock.at = at;
      for (const timer of timers.filter((t) => t.at <= at)) {
        timers.splice(timers.indexOf(timer), 1);
        timer.run();
      }
    },
    timers,
  };
  return clock;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('group commits: when a flush starts', () => {
  it('gathering the turn: what arrives in one turn shares one flush, and what arrives during it the next', async () => {
    const { commits, flushes, answerNext } = recorded(true);
    const first = [1, 2, 3].map((n) => commits.submit(n));
    assert.deepEqual(flushes, [], 'a flush started before the turn ended');
    await nextTurn();
    assert.deepEqual(flushes, [[1, 2, 3]]);
    const second = [4, 5].map((n) => commits.submit(n));
    answerNext();
    assert.deepEqual(await Promise.all(first), ['done 1', 'done 2', 'done 3']);
    await nextTurn();
    assert.deepEqual(flushes, [[1, 2, 3], [4, 5]]);
    answerNext();
    assert.deepEqual(await Promise.all(second), ['done 4', 'done 5']);
  });

  it('without it: the first goes out alone at once, the rest of its turn waits behind it', async () => {
    const { commits, flushes, answerNext } = recorded(false);
    const all = [1, 2, 3].map((n) => commits.submit(n));
    assert.deepEqual(flushes, [[1]]);
    answerNext();
    await all[0];
    await nextTurn();
    assert.deepEqual(flushes, [[1], [2, 3]]);
    answerNext();
    assert.deepEqual(await Promise.all(all), ['done 1', 'done 2', 'done 3']);
  });

  it('lingering: under load a flush waits until the linger has passed since the last one ended; after a quiet spell it does not', async () => {
    const clock = manualClock();
    const { commits, flushes, answerNext } = recorded(true, { lingerMs: 2 }, clock);
    const first = commits.submit(1);
    await nextTurn();
    assert.deepEqual(flushes, [[1]], 'the first flush, after nothing, started at the end of its turn');
    const second = commits.submit(2);
    clock.advance(10);
    answerNext(); // the first flush ends at 10
    assert.equal(await first, 'done 1');
    await nextTurn();
    assert.deepEqual(flushes, [[1]], 'a flush started less than the linger after the last one ended');
    assert.deepEqual(clock.timers.map((t) => t.at), [12]);
    const third = commits.submit(3); // arrives while the next flush lingers: it shares it
    clock.advance(12);
    assert.deepEqual(flushes, [[1], [2, 3]]);
    clock.advance(20);
    answerNext();
    assert.deepEqual(await Promise.all([second, third]), ['done 2', 'done 3']);
    await nextTurn(); // the flush's end has been taken in
    assert.deepEqual(clock.timers, [], 'a timer set with nothing to flush');
    clock.advance(100); // a quiet spell
    const fourth = commits.submit(4);
    await nextTurn();
    assert.deepEqual(flushes, [[1], [2, 3], [4]]);
    answerNext();
    assert.equal(await fourth, 'done 4');
  });

  it('a flush whose dependency did not answer fails the writes queued behind it, in no further flush; another error does not', async () => {
    const unanswered = unavailable('the dependency');
    const { commits, flushes, answerNext, failNext } = recorded(true, { maxBatch: 2, failsQueueWhenUnavailable: true });
    const first = commits.submit(1);
    await nextTurn();
    const queued = [2, 3, 4].map((n) => commits.submit(n)); // two flushes' worth, behind the first
    failNext(unanswered);
    await assert.rejects(first);
    await nextTurn();
    assert.deepEqual(flushes, [[1]], 'the writes behind it went to the dependency');
    const outcomes = await Promise.allSettled(queued);
    assert.deepEqual(outcomes.map((o) => o.status === 'rejected' && o.reason), [unanswered, unanswered, unanswered]);
    // A write after it goes out as before; an error that is not the dependency's leaves the queue to the next flush.
    const later = commits.submit(5);
    await nextTurn();
    const behind = commits.submit(6);
    failNext(new Error('bad input'));
    await assert.rejects(later, /bad input/);
    await nextTurn();
    assert.deepEqual(flushes, [[1], [5], [6]]);
    answerNext();
    assert.equal(await behind, 'done 6');
  });
});
