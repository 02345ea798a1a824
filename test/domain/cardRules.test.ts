import assert from 'node:assert/strict';
import { MAX_ACTIVE_JOB_CARDS, canEditCard, canReadCard, decideCardCreation } from '../../domain/cardRules';

describe('decideCardCreation', () => {
  const none = { activePersonCards: 0, activeJobCards: 0 };
  it('lets a member create their profile', () => assert.equal(decideCardCreation({ role: 'member', kind: 'person', ...none }).kind, 'create'));
  it('refuses a second active profile', () =>
    assert.equal((decideCardCreation({ role: 'member', kind: 'person', ...none, activePersonCards: 1 }) as { code: string }).code, 'PERSON_CARD_EXISTS'));
  it('refuses jobs from members', () =>
    assert.equal((decideCardCreation({ role: 'member', kind: 'job', ...none }) as { code: string }).code, 'RECRUITER_ONLY'));
  it('lets recruiters post jobs up to the limit', () => {
    assert.equal(decideCardCreation({ role: 'recruiter', kind: 'job', ...none, activeJobCards: MAX_ACTIVE_JOB_CARDS - 1 }).kind, 'create');
    assert.equal(
      (decideCardCreation({ role: 'recruiter', kind: 'job', ...none, activeJobCards: MAX_ACTIVE_JOB_CARDS }) as { code: string }).code,
      'CARD_LIMIT_REACHED',
    );
  });
});

describe('card access', () => {
  const card = { ownerId: 'owner', active: true };
  it('lets only the owner edit', () => {
    assert.equal(canEditCard(card, 'owner'), true);
    assert.equal(canEditCard(card, 'someone'), false);
  });
  it('hides a deactivated card from all but its owner', () => {
    assert.equal(canReadCard({ ...card, active: false }, 'someone'), false);
    assert.equal(canReadCard({ ...card, active: false }, 'owner'), true);
    assert.equal(canReadCard(card, 'someone'), true);
  });
});
