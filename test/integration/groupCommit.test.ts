import assert from 'node:assert/strict';
import { GroupCommit } from '../../db/groupCommit';

/** A group commit whose flushes are recorded and answered when the test says. */
function recorded(gatherTurn: boolean) {
  const flushes: number[][] = [];
  const pending: Array<() => void> = [];
  const commits = new GroupCommit<number, string>(
    (inputs) => {
      flushes.push([...inputs]);
      return new Promise((resolve) => pending.push(() => resolve(inputs.map((n) => `done ${n}`))));
    },
    { maxInFlight: 1, maxBatch: 250, gatherTurn },
  );
  return { commits, flushes, answerNext: () => pending.shift()?.() };
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
});
