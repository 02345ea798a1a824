import assert from 'node:assert/strict';
import { MAX_PAYLOAD_VALUES, payloadFault } from '../../contracts/common';

describe('payloadFault (every payload, before its schema)', () => {
  it('finds a NUL in a string, a key, an array item and a nested value', () => {
    assert.equal(payloadFault('a\u0000b'), 'nul');
    assert.equal(payloadFault({ 'pa\u0000ce': 1 }), 'nul');
    assert.equal(payloadFault({ tags: ['ok', 'n\u0000o'] }), 'nul');
    assert.equal(payloadFault({ a: { b: [{ c: '\u0000' }] } }), 'nul');
    assert.equal(payloadFault([[['\u0000']]]), 'nul');
  });

  it('passes clean payloads of every shape', () => {
    assert.equal(payloadFault({ clientMessageId: 'm-1', kind: 'text', body: 'hello', tags: ['a', 'b'], n: 3, on: true, none: null }), undefined);
    assert.equal(payloadFault([]), undefined);
    assert.equal(payloadFault({}), undefined);
    assert.equal(payloadFault(undefined), undefined);
    assert.equal(payloadFault(new Uint8Array([0, 0])), undefined);
  });

  it('looks at own keys only, and not deeper than 32 levels', () => {
    const inherited = Object.create({ 'in\u0000herited': 'x\u0000' }) as Record<string, unknown>;
    inherited['own'] = 'clean';
    assert.equal(payloadFault(inherited), undefined);
    let deep: unknown = '\u0000';
    for (let i = 0; i < 40; i++) deep = { next: deep };
    assert.equal(payloadFault(deep), undefined);
    let shallow: unknown = '\u0000';
    for (let i = 0; i < 30; i++) shallow = { next: shallow };
    assert.equal(payloadFault(shallow), 'nul');
  });

  it('looks at no more than MAX_PAYLOAD_VALUES values: a payload of shared references is refused at once, not walked for minutes', () => {
    // Each level names the one below twice: 31 levels are 2^31 paths to the clean string at the bottom.
    let shared: unknown = 'clean';
    for (let i = 0; i < 31; i++) shared = [shared, shared];
    assert.equal(payloadFault({ ref: 'r', pad: shared }), 'too_many_values');
    assert.equal(payloadFault(Array.from({ length: MAX_PAYLOAD_VALUES - 1 }, () => 1)), undefined, 'the array and its values: exactly the most');
    assert.equal(payloadFault(Array.from({ length: MAX_PAYLOAD_VALUES }, () => 1)), 'too_many_values');
  });
});
