import assert from 'node:assert/strict';
import { hasNulCharacter } from '../../contracts/common';

describe('hasNulCharacter (every payload, before its schema)', () => {
  it('finds a NUL in a string, a key, an array item and a nested value', () => {
    assert.equal(hasNulCharacter('a\u0000b'), true);
    assert.equal(hasNulCharacter({ 'pa\u0000ce': 1 }), true);
    assert.equal(hasNulCharacter({ tags: ['ok', 'n\u0000o'] }), true);
    assert.equal(hasNulCharacter({ a: { b: [{ c: '\u0000' }] } }), true);
    assert.equal(hasNulCharacter([[['\u0000']]]), true);
  });

  it('passes clean payloads of every shape', () => {
    assert.equal(hasNulCharacter({ clientMessageId: 'm-1', kind: 'text', body: 'hello', tags: ['a', 'b'], n: 3, on: true, none: null }), false);
    assert.equal(hasNulCharacter([]), false);
    assert.equal(hasNulCharacter({}), false);
    assert.equal(hasNulCharacter(undefined), false);
    assert.equal(hasNulCharacter(new Uint8Array([0, 0])), false);
  });

  it('looks at own keys only, and not deeper than 32 levels', () => {
    const inherited = Object.create({ 'in\u0000herited': 'x\u0000' }) as Record<string, unknown>;
    inherited['own'] = 'clean';
    assert.equal(hasNulCharacter(inherited), false);
    let deep: unknown = '\u0000';
    for (let i = 0; i < 40; i++) deep = { next: deep };
    assert.equal(hasNulCharacter(deep), false);
    let shallow: unknown = '\u0000';
    for (let i = 0; i < 30; i++) shallow = { next: shallow };
    assert.equal(hasNulCharacter(shallow), true);
  });
});
