import assert from 'node:assert/strict';
import { MAX_ACTIVE_JOB_CARDS, MAX_NEW_CARDS, MIN_PERSON_AGE, canEditCard, canReadCard, checkPersonBirthYear, decideCardCreation } from '../../domain/cardRules';

describe('decideCardCreation', () => {
  const none = { activePersonCards: 0, activeJobCards: 0, newCards: 0 };
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
  it(`refuses a card past ${MAX_NEW_CARDS} created in the window, deactivated ones counted, profiles and jobs alike`, () => {
    const codeOf = (decision: ReturnType<typeof decideCardCreation>) => (decision.kind === 'refused' ? decision.code : decision.kind);
    const full = { ...none, newCards: MAX_NEW_CARDS };
    assert.equal(codeOf(decideCardCreation({ role: 'member', kind: 'person', ...full, newCards: MAX_NEW_CARDS - 1 })), 'create');
    assert.equal(codeOf(decideCardCreation({ role: 'member', kind: 'person', ...full })), 'CARD_LIMIT_REACHED');
    assert.equal(codeOf(decideCardCreation({ role: 'recruiter', kind: 'job', ...full })), 'CARD_LIMIT_REACHED');
    const refused = decideCardCreation({ role: 'member', kind: 'person', ...full });
    assert.ok(refused.kind === 'refused' && /deactivated ones included/.test(refused.message), JSON.stringify(refused));
    // The more specific refusal first.
    assert.equal(codeOf(decideCardCreation({ role: 'member', kind: 'person', ...full, activePersonCards: 1 })), 'PERSON_CARD_EXISTS');
    assert.equal(codeOf(decideCardCreation({ role: 'member', kind: 'job', ...full })), 'RECRUITER_ONLY');
  });
});

describe('checkPersonBirthYear', () => {
  const codeOf = (birthYear: number | null, currentYear: number) => {
    const check = checkPersonBirthYear(birthYear, currentYear);
    return check.kind === 'refused' ? check.code : check.kind;
  };
  it(`accepts someone ${MIN_PERSON_AGE} or older this year, as decks count ages`, () => {
    assert.equal(MIN_PERSON_AGE, 18);
    assert.equal(codeOf(2008, 2026), 'accepted');
    assert.equal(codeOf(1900, 2026), 'accepted');
  });
  it('refuses someone under 18 this year, with INVALID_BODY naming birthYear', () => {
    assert.equal(codeOf(2009, 2026), 'INVALID_BODY');
    assert.equal(codeOf(2026, 2026), 'INVALID_BODY');
    const check = checkPersonBirthYear(2012, 2026);
    assert.ok(check.kind === 'refused' && check.message.startsWith('birthYear:'), JSON.stringify(check));
  });
  it('refuses a birth year in the future and none at all', () => {
    assert.equal(codeOf(2027, 2026), 'INVALID_BODY');
    assert.equal(codeOf(2100, 2026), 'INVALID_BODY');
    assert.equal(codeOf(null, 2026), 'INVALID_BODY');
  });
  it('takes the year it is given, not the clock', () => assert.equal(codeOf(2009, 2027), 'accepted'));
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
