import assert from 'node:assert/strict';
import { canViewCard, cardViewerOf, counterpartFace } from '../../domain/cardVisibility';

const card = (active = true) => ({ ownerId: 'owen', active });
const viewing = (overrides: Partial<Parameters<typeof canViewCard>[0]> = {}) => ({ card: card(), viewerId: 'vera', blockedEitherWay: false, formerMatch: false, ownerHidden: false, ...overrides });

describe('card visibility', () => {
  it('shows an active card of a visible owner to anyone', () => assert.equal(canViewCard(viewing()), true));
  it('hides a deactivated card from everyone but its owner', () => {
    assert.equal(canViewCard(viewing({ card: card(false) })), false);
    assert.equal(canViewCard(viewing({ card: card(false), viewerId: 'owen' })), true);
  });
  it('hides a card between two people who blocked each other', () => assert.equal(canViewCard(viewing({ blockedEitherWay: true })), false));
  it('hides a card between two people whose match ended, as a block does, never from the owner', () => {
    assert.equal(canViewCard(viewing({ formerMatch: true })), false);
    assert.equal(canViewCard(viewing({ formerMatch: true, viewerId: 'owen' })), true);
  });
  it('hides the cards of a banned or shadow-banned owner from others, never from the owner', () => {
    assert.equal(canViewCard(viewing({ ownerHidden: true })), false);
    assert.equal(canViewCard(viewing({ ownerHidden: true, viewerId: 'owen' })), true);
  });

  describe('the other side of a thread in the list', () => {
    const photo = { url: 'https://cdn.example.com/p.jpg', width: 1080, height: 1350 };
    const card = { title: 'Owen', photos: [photo] };
    it('shows a card the viewer may see as it is', () =>
      assert.deepEqual(counterpartFace(card, true, false), { name: 'Owen', photos: [photo], hidden: false, deleted: false }));
    it('shows anyone the viewer may not see alike, whatever the reason, and never as deleted', () =>
      assert.deepEqual(counterpartFace(card, false, false), { name: 'unavailable', photos: [], hidden: true, deleted: false }));
    it('says "deleted account" only of an account that was deleted', () =>
      assert.deepEqual(counterpartFace(card, false, true), { name: 'deleted account', photos: [], hidden: true, deleted: true }));
  });

  describe('as whom someone looks at a card', () => {
    const as = (overrides: Partial<Parameters<typeof cardViewerOf>[0]>) => cardViewerOf({ ownerId: 'owen', viewerId: 'vera', asKind: undefined, viewerRole: 'member', jobReaches: false, ...overrides });
    it('the owner as the owner, whatever card they name', () => {
      assert.equal(as({ viewerId: 'owen' }), 'owner');
      assert.equal(as({ viewerId: 'owen', asKind: 'job', viewerRole: 'recruiter' }), 'owner');
    });
    it('anyone else as the card of theirs they name, a job only where it reaches the card', () => {
      assert.equal(as({ asKind: 'job', viewerRole: 'recruiter', jobReaches: true }), 'job');
      assert.equal(as({ asKind: 'person', viewerRole: 'recruiter' }), 'person');
    });
    it('a job that does not reach the card as anyone, as a recruiter naming no card', () => {
      assert.equal(as({ asKind: 'job', viewerRole: 'recruiter', jobReaches: false }), 'anyone');
      assert.equal(as({ asKind: 'job', viewerRole: 'admin', jobReaches: false }), as({ viewerRole: 'admin' }));
    });
    it('without one, a member as a person (a member posts no jobs), a recruiter or operator as neither', () => {
      assert.equal(as({}), 'person');
      assert.equal(as({ viewerRole: 'recruiter' }), 'anyone');
      assert.equal(as({ viewerRole: 'admin' }), 'anyone');
      assert.equal(as({ viewerRole: undefined }), 'anyone');
    });
  });
});
