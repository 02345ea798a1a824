import assert from 'node:assert/strict';
import { PROTECTED_TRAFFIC, SHEDDING_ORDER, sheddingLevel, shouldShed, type Traffic } from '../../domain/loadShedding';

const LIMIT = 200;
const shedAt = (lagMs: number) => [...SHEDDING_ORDER, ...PROTECTED_TRAFFIC].filter((t: Traffic) => shouldShed(t, lagMs, LIMIT));

describe('load shedding', () => {
  it('sheds nothing below the limit', () => {
    assert.deepEqual([shedAt(0), shedAt(LIMIT - 1)], [[], []]);
  });

  it('sheds profile-view notices first, at the limit', () => {
    assert.deepEqual(shedAt(LIMIT), ['profile.viewed']);
    assert.deepEqual(shedAt(2 * LIMIT - 1), ['profile.viewed']);
  });

  it('then typing indicators, at twice the limit', () => {
    assert.deepEqual(shedAt(2 * LIMIT), ['profile.viewed', 'typing']);
  });

  it('then "nearby now" figures, at three times the limit, and nothing more however far behind', () => {
    assert.deepEqual(shedAt(3 * LIMIT), ['profile.viewed', 'typing', 'nearby.now']);
    assert.deepEqual(shedAt(1_000 * LIMIT), ['profile.viewed', 'typing', 'nearby.now']);
    assert.equal(sheddingLevel(1_000 * LIMIT, LIMIT), SHEDDING_ORDER.length);
  });

  it('never sheds messages, matches, swipes, acknowledgements or call signalling', () => {
    for (const lag of [0, LIMIT, 10 * LIMIT, Number.POSITIVE_INFINITY]) {
      for (const traffic of PROTECTED_TRAFFIC) assert.equal(shouldShed(traffic, lag, LIMIT), false, `${traffic} at ${lag} ms`);
    }
  });

  it('sheds nothing when the lag is unknown or the limit makes no sense', () => {
    assert.deepEqual([sheddingLevel(Number.NaN, LIMIT), sheddingLevel(500, 0), sheddingLevel(500, -1)], [0, 0, 0]);
  });
});
