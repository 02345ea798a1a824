import assert from 'node:assert/strict';
import type { Card } from '../../domain/cardRules';
import { deckKind, failedHardFilter, type DeckSearcher } from '../../domain/deckFilters';
import { DEFAULT_PREFERENCES, type Preferences } from '../../domain/preferences';
import { blankCard } from '../support/cards';

const here = { lat: 12.9716, lng: 77.5946 };
const searcherAs = (card: Card, preferences: Partial<Preferences> = {}): DeckSearcher => ({
  card,
  preferences: { ...DEFAULT_PREFERENCES, ...preferences },
  location: here,
  year: 2026,
});
const me = blankCard({ id: 'me', kind: 'person', birthYear: 1995 });
const person = (fields: Partial<Card> = {}) => blankCard({ id: 'p', kind: 'person', birthYear: 1996, ...fields });
/** A person who looks for work (gives a hiring field): one a job's deck may hold. */
const candidate = (fields: Partial<Card> = {}) => person({ experienceYears: 2, ...fields });
const job = (fields: Partial<Card> = {}) => blankCard({ id: 'j', kind: 'job', ...fields });
const seeker = (fields: Partial<Card> = {}, preferences: Partial<Preferences> = {}) =>
  searcherAs(blankCard({ id: 'seeker', kind: 'person', birthYear: 1990, ...fields }), { cardKind: 'job', ...preferences });

describe('deck hard filters', () => {
  describe('kind', () => {
    it('shows a person people, or jobs when they ask for jobs, and a job people', () => {
      assert.equal(deckKind(me, DEFAULT_PREFERENCES), 'person');
      assert.equal(deckKind(me, { ...DEFAULT_PREFERENCES, cardKind: 'job' }), 'job');
      assert.equal(deckKind(job(), { ...DEFAULT_PREFERENCES, cardKind: 'job' }), 'person');
      assert.equal(failedHardFilter(searcherAs(me), job(), 1), 'kind');
      assert.equal(failedHardFilter(searcherAs(job()), job({ id: 'other' }), 1), 'kind');
    });
    it('holds in a job’s deck only people who look for work: a card giving any hiring field', () => {
      assert.equal(failedHardFilter(searcherAs(job()), person(), 1), 'kind', 'a dating profile');
      const given: Array<Partial<Card>> = [
        { experienceYears: 0 },
        { salaryMin: 50_000 },
        { salaryMax: 90_000 },
        { workAuthorizations: ['EU'] },
        { remote: true },
        { culture: { pace: 0.5 } },
      ];
      for (const fields of given) assert.equal(failedHardFilter(searcherAs(job()), person(fields), 1), null, JSON.stringify(fields));
      // People see every person, whether they look for work or not.
      assert.equal(failedHardFilter(searcherAs(me), person(), 1), null);
      assert.equal(failedHardFilter(searcherAs(me), candidate(), 1), null);
    });
  });

  describe('distance', () => {
    it('passes up to the maximum, fails beyond it and without a location', () => {
      assert.equal(failedHardFilter(searcherAs(me, { maxDistanceKm: 10 }), person(), 10), null);
      assert.equal(failedHardFilter(searcherAs(me, { maxDistanceKm: 10 }), person(), 10.001), 'distance');
      assert.equal(failedHardFilter(searcherAs(me), person(), null), 'distance');
    });
  });

  describe('age (people looking at people)', () => {
    // In 2026, born 1996 is 30.
    it('keeps ages inside the range, bounds included', () => {
      assert.equal(failedHardFilter(searcherAs(me, { ageMin: 30, ageMax: 30 }), person(), 1), null);
      assert.equal(failedHardFilter(searcherAs(me, { ageMin: 31 }), person(), 1), 'age');
      assert.equal(failedHardFilter(searcherAs(me, { ageMax: 29 }), person(), 1), 'age');
      assert.equal(failedHardFilter(searcherAs(me, { ageMin: 18 }), person({ birthYear: null }), 1), 'age');
    });
    it('is not applied by a job to candidates', () => {
      assert.equal(failedHardFilter(searcherAs(job(), { ageMax: 25 }), candidate(), 1), null);
    });
    it('shows nobody a profile of someone under 18 this year (stored before the rule), whatever the searcher set', () => {
      for (const searcher of [searcherAs(me), searcherAs(me, { ageMax: 40 }), searcherAs(job())]) {
        assert.equal(failedHardFilter(searcher, candidate({ birthYear: 2009 }), 1), 'age', 'turns 17 in 2026');
        assert.equal(failedHardFilter(searcher, candidate({ birthYear: 2008 }), 1), null, 'turns 18 in 2026');
      }
    });
  });

  describe('salary (jobs)', () => {
    it('drops a job paying under the seeker’s minimum, or saying nothing of pay when they set one', () => {
      assert.equal(failedHardFilter(seeker({}, { salaryMin: 100 }), job({ salaryMin: 80, salaryMax: 100 }), 1), null);
      assert.equal(failedHardFilter(seeker({}, { salaryMin: 101 }), job({ salaryMin: 80, salaryMax: 100 }), 1), 'salary');
      assert.equal(failedHardFilter(seeker({}, { salaryMin: 101 }), job({ salaryMin: 120 }), 1), null);
      assert.equal(failedHardFilter(seeker({}, { salaryMin: 1 }), job(), 1), 'salary');
    });
    it('keeps a job and a candidate apart when the job pays under what the candidate asks, both ways', () => {
      const asking = { salaryMin: 150 };
      assert.equal(failedHardFilter(seeker(asking), job({ salaryMax: 140 }), 1), 'salary');
      assert.equal(failedHardFilter(searcherAs(job({ salaryMax: 140 })), person(asking), 1), 'salary');
      assert.equal(failedHardFilter(searcherAs(job({ salaryMax: 150 })), person(asking), 1), null);
    });
  });

  describe('work authorisation', () => {
    it('needs the candidate to hold one the job requires, ignoring case', () => {
      const requires = job({ workAuthorizations: ['IN', 'EU'] });
      assert.equal(failedHardFilter(seeker({ workAuthorizations: ['eu'] }), requires, 1), null);
      assert.equal(failedHardFilter(seeker({ workAuthorizations: ['US'] }), requires, 1), 'workAuthorization');
      assert.equal(failedHardFilter(searcherAs(requires), candidate({ workAuthorizations: [] }), 1), 'workAuthorization');
      assert.equal(failedHardFilter(seeker(), job(), 1), null);
    });
    it('applies the searcher’s own list to what the card lists', () => {
      assert.equal(failedHardFilter(searcherAs(job(), { workAuthorizations: ['IN'] }), person({ workAuthorizations: ['IN'] }), 1), null);
      assert.equal(failedHardFilter(searcherAs(job(), { workAuthorizations: ['IN'] }), candidate(), 1), 'workAuthorization');
      assert.equal(failedHardFilter(seeker({ workAuthorizations: ['IN'] }, { workAuthorizations: ['IN'] }), job({ workAuthorizations: ['in'] }), 1), null);
      assert.equal(failedHardFilter(seeker({}, { workAuthorizations: ['IN'] }), job(), 1), 'workAuthorization');
    });
    it('never filters two people by it: a dating deck is not sorted by what only jobs are shown', () => {
      const prefs = { workAuthorizations: ['asylum pending'] };
      assert.equal(failedHardFilter(searcherAs(me, prefs), person(), 1), null);
      assert.equal(failedHardFilter(searcherAs(me, prefs), candidate({ workAuthorizations: ['EU'] }), 1), null);
    });
  });

  describe('remote', () => {
    it('drops on-site jobs for someone who wants only remote ones', () => {
      assert.equal(failedHardFilter(seeker({}, { remoteOnly: true }), job({ remote: false }), 1), 'remote');
      assert.equal(failedHardFilter(seeker({}, { remoteOnly: true }), job({ remote: true }), 1), null);
      assert.equal(failedHardFilter(seeker(), job({ remote: false }), 1), null);
    });
  });

  describe('minimum experience', () => {
    it('needs the job’s minimum years, both ways', () => {
      assert.equal(failedHardFilter(seeker({ experienceYears: 4 }), job({ experienceYears: 5 }), 1), 'experience');
      assert.equal(failedHardFilter(seeker({ experienceYears: 5 }), job({ experienceYears: 5 }), 1), null);
      assert.equal(failedHardFilter(seeker(), job({ experienceYears: 1 }), 1), 'experience');
      assert.equal(failedHardFilter(searcherAs(job({ experienceYears: 5 })), person({ experienceYears: 4 }), 1), 'experience');
    });
    it('applies the searcher’s minimum to candidates', () => {
      assert.equal(failedHardFilter(searcherAs(job(), { minExperienceYears: 3 }), person({ experienceYears: 2 }), 1), 'experience');
      assert.equal(failedHardFilter(searcherAs(job(), { minExperienceYears: 3 }), person({ experienceYears: 3 }), 1), null);
    });
    it('never applies the searcher’s minimum between two people', () => {
      assert.equal(failedHardFilter(searcherAs(me, { minExperienceYears: 3 }), person(), 1), null);
      assert.equal(failedHardFilter(searcherAs(me, { minExperienceYears: 3 }), candidate({ experienceYears: 1 }), 1), null);
    });
  });
});
