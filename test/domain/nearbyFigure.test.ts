import assert from 'node:assert/strict';
import { NEARBY_FEW_BELOW, nearbyFigure } from '../../domain/nearbyFigure';

describe('the "nearby now" figure', () => {
  it('says nothing precise below five others: 0, perhaps none', () => {
    assert.equal(NEARBY_FEW_BELOW, 5);
    assert.deepEqual([0, 1, 2, 3, 4].map(nearbyFigure), [0, 0, 0, 0, 0]);
  });

  it('rounds larger numbers down to 5, 10, 20, 50, 100, 200, 500, 1000, ...', () => {
    const shown = (n: number) => [n, nearbyFigure(n)];
    assert.deepEqual([5, 9, 10, 19, 20, 49, 50, 99, 100, 199, 200, 499, 500, 999, 1000, 1999, 2000, 12_345, 1_000_000].map(shown), [
      [5, 5], [9, 5], [10, 10], [19, 10], [20, 20], [49, 20], [50, 50], [99, 50], [100, 100], [199, 100],
      [200, 200], [499, 200], [500, 500], [999, 500], [1000, 1000], [1999, 1000], [2000, 2000], [12_345, 10_000], [1_000_000, 1_000_000],
    ]);
  });

  it('moves with one person only at a bucket edge, where at least five others are there', () => {
    for (let n = 0; n < 100_000; n++) {
      const [before, after] = [nearbyFigure(n), nearbyFigure(n + 1)];
      if (before === after) continue;
      assert.ok(n + 1 >= NEARBY_FEW_BELOW, `${n} → ${n + 1} others`);
      assert.equal(after, n + 1, 'the figure only steps up to the new number, an edge');
    }
  });

  it('is never above the number, nor below two fifths of it', () => {
    for (let n = NEARBY_FEW_BELOW; n < 100_000; n++) assert.ok(nearbyFigure(n) <= n && nearbyFigure(n) > (2 * n) / 5, `${n}`);
  });

  it('answers 0 for anything that is not a count', () => {
    assert.deepEqual([-1, Number.NaN].map(nearbyFigure), [0, 0]);
  });
});
