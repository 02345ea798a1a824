import assert from 'node:assert/strict';
import { toCardView, wholeCardView } from '../../contracts/cards';
import { NO_HIRING_FIELDS } from '../../domain/cardRules';
import { blankCard } from '../support/cards';

const HIRING = Object.keys(NO_HIRING_FIELDS);
const seeker = blankCard({
  id: 'sam',
  kind: 'person',
  birthYear: 1996,
  experienceYears: 3,
  salaryMin: 85_000,
  salaryMax: 95_000,
  workAuthorizations: ['asylum pending'],
  remote: true,
  culture: { pace: 0.8 },
  photos: [{ url: 'https://media.example.com/beach.jpg', width: 100, height: 100 }],
  lat: 40.71,
  lng: -74,
  h3Cell: '872a1072bffffff',
});
const job = blankCard({ id: 'backend', kind: 'job', salaryMin: 90_000, workAuthorizations: ['EU'], lat: 52.52, lng: 13.4, h3Cell: '871f1d489ffffff' });

describe('card views (one person card serves dating and hiring)', () => {
  it('shows the owner everything but coordinates', () => {
    const view = toCardView(seeker, 'owner');
    assert.deepEqual(view, wholeCardView(seeker));
    assert.ok(!('lat' in view) && !('lng' in view));
    assert.equal(view.salaryMin, 85_000);
    assert.equal(view.birthYear, 1996);
  });
  it('shows people a person without what they told employers', () => {
    const view = toCardView(seeker, 'person');
    assert.deepEqual(HIRING.filter((field) => field in view), []);
    assert.deepEqual([view.birthYear, view.photos.length, view.title, view.h3Cell], [1996, 1, 'sam', seeker.h3Cell]);
  });
  it('shows jobs a person without their birth year, their photos kept', () => {
    const view = toCardView(seeker, 'job');
    assert.ok(!('birthYear' in view) && !('lat' in view));
    assert.deepEqual([view.salaryMin, view.workAuthorizations, view.experienceYears, view.photos.length], [85_000, ['asylum pending'], 3, 1]);
  });
  it('shows one who did not say as whom they look only what both are shown', () => {
    const view = toCardView(seeker, 'anyone');
    assert.deepEqual(['birthYear', ...HIRING].filter((field) => field in view), []);
  });
  it('shows a job whole, but its coordinates, to everyone', () => {
    for (const viewer of ['owner', 'person', 'job', 'anyone'] as const) assert.deepEqual(toCardView(job, viewer), wholeCardView(job), viewer);
  });
  it('views a whole card (as nodes tell each other of an edit) as it views a stored one', () => {
    for (const viewer of ['owner', 'person', 'job', 'anyone'] as const) assert.deepEqual(toCardView(wholeCardView(seeker), viewer), toCardView(seeker, viewer), viewer);
  });
});
