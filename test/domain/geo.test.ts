import assert from 'node:assert/strict';
import { getResolution, gridDistance, latLngToCell } from 'h3-js';
import { coarseCellOf, destinationPoint, EARTH_RADIUS_KM, greatCircleKm, MAX_FINE_SEARCH_CELLS, placeLocation, searchArea } from '../../domain/geo';

const bengaluru = { lat: 12.9716, lng: 77.5946 };

describe('geo', () => {
  it('measures great-circle distance: one degree of a meridian is 2πR/360 km', () => {
    assert.ok(Math.abs(greatCircleKm({ lat: 10, lng: 30 }, { lat: 11, lng: 30 }) - (2 * Math.PI * EARTH_RADIUS_KM) / 360) < 1e-9);
    assert.equal(greatCircleKm(bengaluru, bengaluru), 0);
  });

  it('places a point in its cell and that cell’s coarse parent, three resolutions up', () => {
    const placed = placeLocation(bengaluru.lat, bengaluru.lng, 7);
    assert.equal(placed.cell, latLngToCell(bengaluru.lat, bengaluru.lng, 7));
    assert.equal(getResolution(placed.coarseCell), 4);
    assert.equal(placed.coarseCell, coarseCellOf(placed.cell));
  });

  for (const maxKm of [1, 5, 25, 50, 200]) {
    it(`never leaves out the cell of a point within ${maxKm} km (searchers anywhere in their cell)`, () => {
      // Searchers spread over a 2 km square around the centre, points at 99.9% of the distance on every bearing.
      for (const [dLat, dLng] of [[0, 0], [0.009, 0.009], [-0.009, 0.004], [0.004, -0.009]] as const) {
        const searcher = { lat: bengaluru.lat + dLat, lng: bengaluru.lng + dLng };
        const area = searchArea(searcher, maxKm, 7);
        const cells = new Set(area.rings.flat());
        assert.ok(area.level === 'coarse' || cells.size <= MAX_FINE_SEARCH_CELLS);
        for (let bearing = 0; bearing < 360; bearing += 7.5) {
          const point = destinationPoint(searcher, maxKm * 0.999, bearing);
          const fine = latLngToCell(point.lat, point.lng, 7);
          assert.ok(cells.has(area.level === 'fine' ? fine : coarseCellOf(fine)), `${maxKm} km, bearing ${bearing}`);
        }
      }
    });
  }

  it('reads rings nearest first, and switches to coarse cells for long distances', () => {
    const near = searchArea(bengaluru, 10, 7);
    assert.equal(near.level, 'fine');
    const origin = latLngToCell(bengaluru.lat, bengaluru.lng, 7);
    near.rings.forEach((ring, k) => ring.forEach((cell) => assert.equal(gridDistance(origin, cell), k)));
    assert.equal(searchArea(bengaluru, 200, 7).level, 'coarse');
  });
});
