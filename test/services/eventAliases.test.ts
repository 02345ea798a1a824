import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ALIASES_KEPT, EventAliasKeys } from '../../services/eventAliases';

describe('event aliases', () => {
  const keys = new EventAliasKeys('a-secret-of-at-least-thirty-two-characters');
  const [eventId, otherEventId, userId] = [randomUUID(), randomUUID(), randomUUID()];

  it('names a person the same all through an event, reads back to them, and differently in another event or under another secret', () => {
    const alias = keys.of(eventId).of(userId);
    assert.match(alias, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(new EventAliasKeys('a-secret-of-at-least-thirty-two-characters').of(eventId.toUpperCase()).of(userId.toUpperCase()), alias, 'another node, ids in upper case');
    assert.equal(keys.of(eventId).userOf(alias), userId);
    assert.notEqual(keys.of(otherEventId).of(userId), alias);
    assert.notEqual(new EventAliasKeys('another-secret-of-at-least-thirty-two-chars').of(eventId).of(userId), alias);
    assert.notEqual(keys.of(otherEventId).userOf(alias), userId, 'another event reads it as somebody else');
  });

  it('reads back only the one spelling of an alias', () => {
    const aliases = keys.of(eventId);
    const alias = aliases.of(userId);
    // The last character carries four bits of padding: one differing only there spells the same bytes.
    const respelt = `${alias.slice(0, 21)}${String.fromCharCode(alias.charCodeAt(21) ^ 1)}`;
    assert.equal(aliases.userOf(respelt), undefined);
    for (const bad of ['', 'short', `${alias}A`]) assert.equal(aliases.userOf(bad), undefined, bad);
  });

  it('works each out again past the people it keeps', () => {
    const aliases = keys.of(eventId);
    const first = aliases.of(userId);
    for (let i = 0; i <= ALIASES_KEPT; i++) aliases.of(randomUUID());
    assert.equal(aliases.of(userId), first);
  });
});
