import assert from 'node:assert/strict';
import { NO_HIRING_FIELDS } from '../../domain/cardRules';
import { cellForLocation, destinationPoint, greatCircleKm } from '../../domain/geo';
import { jobReaches, type JobReach } from '../../domain/jobReach';
import { discoveryPoint } from '../../domain/locationPrivacy';

describe('which person cards a job reaches (and so sees their hiring fields)', () => {
  const here = { lat: 52.52, lng: 13.405 };
  const cell = (at: { lat: number; lng: number }) => cellForLocation(at.lat, at.lng, 7);
  /** A person card as others see it: at the centre of its privacy cell. */
  const personAt = (at: { lat: number; lng: number }, hiring: object = { experienceYears: 3 }) => ({ ...NO_HIRING_FIELDS, ...discoveryPoint(at), ...hiring });
  const placedAt = (at: { lat: number; lng: number } | null, active = true) => ({ kind: 'job' as const, lat: at?.lat ?? null, lng: at?.lng ?? null, h3Cell: at ? cell(at) : null, active });
  const reach = (overrides: Partial<JobReach> = {}): JobReach => ({ job: placedAt(here), ownerLocation: undefined, maxDistanceKm: 25, matched: false, liked: false, ...overrides });
  const far = destinationPoint(here, 300, 90);

  it('a seeker within the job\'s deck distance of where it stands, none beyond', () => {
    assert.equal(jobReaches(personAt(destinationPoint(here, 10, 0)), reach()), true);
    assert.equal(jobReaches(personAt(far), reach()), false);
    assert.equal(jobReaches(personAt(far), reach({ maxDistanceKm: 500 })), true, 'the distance is the owner\'s deck preference');
  });
  it('measures as the deck does: to the card\'s point, within the distance inclusive', () => {
    const seeker = personAt(destinationPoint(here, 20, 45));
    const km = greatCircleKm(here, { lat: seeker.lat, lng: seeker.lng });
    assert.equal(jobReaches(seeker, reach({ maxDistanceKm: Math.ceil(km) })), true);
    assert.equal(jobReaches(seeker, reach({ maxDistanceKm: Math.floor(km) })), false);
  });
  it('a job placed nowhere from where its owner is, as its deck searches; nobody by place without either', () => {
    const owner = { ...destinationPoint(far, 2, 0), h3Cell: cell(destinationPoint(far, 2, 0)) };
    assert.equal(jobReaches(personAt(far), reach({ job: placedAt(null), ownerLocation: owner })), true);
    assert.equal(jobReaches(personAt(here), reach({ job: placedAt(null), ownerLocation: owner })), false);
    assert.equal(jobReaches(personAt(here), reach({ job: placedAt(null) })), false);
    assert.equal(jobReaches(personAt(here), reach({ ownerLocation: owner })), true, 'a placed job searches from its place, not its owner\'s');
  });
  it('a seeker far away who liked the job or matched with it, wherever either is', () => {
    assert.equal(jobReaches(personAt(far), reach({ liked: true })), true);
    assert.equal(jobReaches(personAt(far), reach({ matched: true })), true);
    assert.equal(jobReaches(personAt(far), reach({ job: placedAt(null), liked: true })), true);
  });
  it('a deactivated job (no deck) nobody by place, still who liked it', () => {
    assert.equal(jobReaches(personAt(here), reach({ job: placedAt(here, false) })), false);
    assert.equal(jobReaches(personAt(here), reach({ job: placedAt(here, false), liked: true })), true);
  });
  it('nobody who looks for no work, near, liked or matched alike, nor a seeker placed nowhere', () => {
    for (const overrides of [{}, { liked: true }, { matched: true }]) assert.equal(jobReaches(personAt(here, {}), reach(overrides)), false);
    assert.equal(jobReaches({ ...personAt(here), lat: null, lng: null }, reach()), false);
  });
});
