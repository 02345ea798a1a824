import assert from 'node:assert/strict';
import { cellToBoundary, cellToLatLng, gridDistance, latLngToCell } from 'h3-js';
import { destinationPoint, greatCircleKm } from '../../domain/geo';
import { decideMove, discoveryPoint, keptDiscoveryPoint, LOCATION_JITTER_KM, PRIVACY_RESOLUTION, shownDistanceKm } from '../../domain/locationPrivacy';

const here = { lat: 12.9716, lng: 77.5946 };

describe('location privacy', () => {
  it('shows a person at the centre of their privacy cell, the same for every point in it', () => {
    const shown = discoveryPoint(here);
    assert.equal(latLngToCell(shown.lat, shown.lng, PRIVACY_RESOLUTION), latLngToCell(here.lat, here.lng, PRIVACY_RESOLUTION));
    const nearby = destinationPoint(here, 0.05, 45);
    if (latLngToCell(nearby.lat, nearby.lng, PRIVACY_RESOLUTION) === latLngToCell(here.lat, here.lng, PRIVACY_RESOLUTION)) {
      assert.deepEqual(discoveryPoint(nearby), shown);
    }
    assert.ok(greatCircleKm(shown, here) < 2);
  });
  it('keeps the cell shown while the person stays in it or next to it, and moves it with a move of a cell or more', () => {
    const cellOf = (p: { lat: number; lng: number }) => latLngToCell(p.lat, p.lng, PRIVACY_RESOLUTION);
    const home = cellOf(here);
    const [cLat, cLng] = cellToLatLng(home);
    const centre = { lat: cLat, lng: cLng };
    const [c0, c1] = cellToBoundary(home).map(([lat, lng]) => ({ lat, lng }));
    const edge = { lat: (c0!.lat + c1!.lat) / 2, lng: (c0!.lng + c1!.lng) / 2 };
    // Just inside and just across the edge: two cells, 40 m apart.
    const inside = { lat: edge.lat + (centre.lat - edge.lat) * 0.02, lng: edge.lng + (centre.lng - edge.lng) * 0.02 };
    const across = { lat: edge.lat - (centre.lat - edge.lat) * 0.02, lng: edge.lng - (centre.lng - edge.lng) * 0.02 };
    assert.notEqual(cellOf(across), home);
    let shown = keptDiscoveryPoint(undefined, inside);
    assert.deepEqual(shown, discoveryPoint(inside), 'the first fix: the cell it is in');
    for (const fix of [across, inside, across, across, inside]) {
      shown = keptDiscoveryPoint(shown, fix);
      assert.equal(cellOf(shown), home, 'fixes wandering over the edge keep the cell');
    }
    const twoAway = destinationPoint(centre, 6, 0);
    assert.equal(gridDistance(home, cellOf(twoAway)) >= 2, true);
    assert.deepEqual(keptDiscoveryPoint(shown, twoAway), discoveryPoint(twoAway), 'a move past the next cell shows the cell it reaches');
  });
  it('shows distances in whole kilometres, never less than 1', () => {
    assert.deepEqual([0, 0.4, 1.49, 1.5, 7.2].map(shownDistanceKm), [1, 1, 1, 2, 7]);
  });
  it('accepts the first fix and any move a person could have made', () => {
    assert.deepEqual(decideMove(undefined, here, 0), { kind: 'accepted' });
    assert.deepEqual(decideMove({ ...here, atMs: 0 }, destinationPoint(here, LOCATION_JITTER_KM, 90), 0), { kind: 'accepted' });
    assert.deepEqual(decideMove({ ...here, atMs: 0 }, destinationPoint(here, 500, 90), 30 * 60_000), { kind: 'accepted' }, '500 km in half an hour, by air');
  });
  it('refuses a jump faster than an airliner, saying when it would be possible', () => {
    const decision = decideMove({ ...here, atMs: 0 }, destinationPoint(here, 1003, 90), 60_000);
    assert.equal(decision.kind, 'implausible');
    assert.ok(decision.kind === 'implausible' && Math.abs(decision.retryAfterMs - (3_600_000 - 60_000)) < 1000, JSON.stringify(decision));
  });
});
