import assert from 'node:assert/strict';
import { canViewCard } from '../../domain/cardVisibility';

const card = (active = true) => ({ ownerId: 'owen', active });
const viewing = (overrides: Partial<Parameters<typeof canViewCard>[0]> = {}) => ({ card: card(), viewerId: 'vera', blockedEitherWay: false, ownerHidden: false, ...overrides });

describe('card visibility', () => {
  it('shows an active card of a visible owner to anyone', () => assert.equal(canViewCard(viewing()), true));
  it('hides a deactivated card from everyone but its owner', () => {
    assert.equal(canViewCard(viewing({ card: card(false) })), false);
    assert.equal(canViewCard(viewing({ card: card(false), viewerId: 'owen' })), true);
  });
  it('hides a card between two people who blocked each other', () => assert.equal(canViewCard(viewing({ blockedEitherWay: true })), false));
  it('hides the cards of a banned or shadow-banned owner from others, never from the owner', () => {
    assert.equal(canViewCard(viewing({ ownerHidden: true })), false);
    assert.equal(canViewCard(viewing({ ownerHidden: true, viewerId: 'owen' })), true);
  });
});
