import assert from 'node:assert/strict';
import { cellToBoundary, cellToLatLng, gridDistance, latLngToCell } from 'h3-js';
import { destinationPoint, greatCircleKm, type LatLng } from '../../domain/geo';
import { PRIVACY_RESOLUTION } from '../../domain/locationPrivacy';
import { command, connectDevice, requestJson } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { deckOf, personAt } from '../support/discovery';
import { codeOf, replyOf } from '../support/matches';
import type { CardView } from '../../contracts/cards';

/** The point `share` of the way from `from` to `to` (short distances: linear in degrees is exact enough). */
const between = (from: LatLng, to: LatLng, share: number): LatLng => ({ lat: from.lat + (to.lat - from.lat) * share, lng: from.lng + (to.lng - from.lng) * share });

/**
 * The attacker's best estimate from (position, shown distance) pairs: the
 * point that minimises the squared misfit of the distances (least squares),
 * searched on a 25 m grid around `near`.
 */
function leastSquaresFit(observations: ReadonlyArray<{ at: LatLng; km: number }>, near: LatLng): LatLng {
  let best = { point: near, misfit: Number.POSITIVE_INFINITY };
  for (let north = -8; north <= 8; north += 0.025) {
    for (let east = -8; east <= 8; east += 0.025) {
      const point = destinationPoint(destinationPoint(near, north, 0), east, 90);
      const misfit = observations.reduce((sum, o) => sum + (greatCircleKm(point, o.at) - o.km) ** 2, 0);
      if (misfit < best.misfit) best = { point, misfit };
    }
  }
  return best.point;
}

describe('security: nobody can find where someone is', function () {
  const suite = useTestCluster(2);

  /*
   * The trilateration attack: an attacker who may stand anywhere (within the
   * limits on moving) asks for decks and reads how far two people are. The two
   * victims stand over 2 km apart inside one privacy cell. If every distance
   * the attacker is shown is the same for both, no method of estimating, least
   * squares or any other, can tell them apart: whatever single point it answers
   * is at least half their separation, over 1 km, from one of them. The bound:
   * no estimate better than 1 km for every victim.
   */
  it('shows two people 2 km apart in one privacy cell identically from everywhere, so no estimate of either is better than 1 km', async function () {
    this.timeout(120_000);
    const [n0, n1] = suite.nodes;
    const cell = latLngToCell(12.9716, 77.5946, PRIVACY_RESOLUTION);
    const [centreLat, centreLng] = cellToLatLng(cell);
    const centre = { lat: centreLat, lng: centreLng };
    const corners = cellToBoundary(cell).map(([lat, lng]) => ({ lat, lng }));
    const truth = [between(corners[0]!, centre, 0.1), between(corners[3]!, centre, 0.1)] as const;
    assert.ok(truth.every((p) => latLngToCell(p.lat, p.lng, PRIVACY_RESOLUTION) === cell), 'both stand in the cell');
    const separationKm = greatCircleKm(truth[0], truth[1]);
    assert.ok(separationKm >= 2, `they stand ${separationKm.toFixed(2)} km apart`);

    const victims = await Promise.all(truth.map((p, i) => personAt(i ? n1.url : n0.url, p, `victim ${i}`)));
    // The attacker walks a ring 4 km around the cell, in steps a phone may make at once (< 3 km),
    // one location update each: the first fix and eight moves, within the burst the limits allow.
    const ring = Array.from({ length: 9 }, (_, i) => destinationPoint(centre, 4, i * 40));
    const attacker = await personAt(n0.url, ring[0]!, 'attacker');
    assert.equal((await requestJson(n0.url, 'PUT', '/me/preferences', { token: attacker.accessToken, body: { maxDistanceKm: 50 } })).status, 200);
    const phone = await connectDevice(n1.url, attacker, 'phone');
    suite.open.push(phone);

    const observations: Array<{ at: LatLng; km: [number, number] }> = [];
    for (const [i, at] of ring.entries()) {
      if (i > 0) replyOf(await command(phone.room, 'location.update', { ...at }));
      const deck = await deckOf(phone, attacker.card.id);
      const km = victims.map((v) => deck.cards.find((c) => c.card.id === v.card.id)?.distanceKm) as [number, number];
      assert.ok(km.every((d) => Number.isInteger(d) && d >= 1), `whole kilometres, at least 1: ${km}`);
      observations.push({ at, km });
    }

    // What the attacker sees of the two is the same from every place: nothing tells them apart.
    assert.deepEqual(observations.map((o) => o.km[0]), observations.map((o) => o.km[1]), 'the same distances for both');
    const estimate = leastSquaresFit(observations.map((o) => ({ at: o.at, km: o.km[0] })), centre);
    const errors = truth.map((p) => greatCircleKm(estimate, p));
    assert.ok(Math.max(...errors) >= 1, `the least-squares estimate misses one of them by ${Math.max(...errors).toFixed(2)} km`);
    // The cards carry no coordinates at all.
    const deck = await deckOf(phone, attacker.card.id);
    for (const entry of deck.cards) assert.deepEqual(['lat', 'lng'].filter((k) => k in entry.card), []);
  });

  /*
   * Someone who lives by the edge of two privacy cells: their phone's fixes fall on either
   * side of it. Were their card to follow each fix, anyone reading it for days would see it
   * flip between the two and learn they live by that edge, far finer than which cell.
   */
  it('keeps the card of a person whose fixes wander over a cell edge in one cell, until they move on', async function () {
    const [n0, n1] = suite.nodes;
    const cell = latLngToCell(12.9716, 77.5946, PRIVACY_RESOLUTION);
    const [centreLat, centreLng] = cellToLatLng(cell);
    const centre = { lat: centreLat, lng: centreLng };
    const [c0, c1] = cellToBoundary(cell).map(([lat, lng]) => ({ lat, lng }));
    const edge = between(c0!, c1!, 0.5);
    const inside = between(edge, centre, 0.02);
    const across = between(edge, centre, -0.02);
    const cellOf = (p: LatLng) => latLngToCell(p.lat, p.lng, PRIVACY_RESOLUTION);
    assert.ok(cellOf(inside) === cell && cellOf(across) !== cell, 'the fixes fall in two cells');

    const victim = await personAt(n0.url, inside, 'by the edge');
    const watcher = await personAt(n1.url, centre, 'watcher');
    const shownCell = async () => (await requestJson<CardView>(n1.url, 'GET', `/cards/${victim.card.id}`, { token: watcher.accessToken })).body.h3Cell;
    const first = await shownCell();
    const phone = await connectDevice(n1.url, victim, 'phone');
    suite.open.push(phone);
    const seen: Array<string | null> = [];
    for (const fix of [across, inside, across, across, inside, across]) {
      replyOf(await command(phone.room, 'location.update', { ...fix }));
      seen.push(await shownCell());
    }
    assert.deepEqual(seen, seen.map(() => first), 'the card stays in one cell');

    // A real move, two cells on in steps a phone makes: the card follows once it is past the next cell.
    const [near, far] = [destinationPoint(centre, 2.4, 30), destinationPoint(centre, 4.8, 30)];
    assert.ok(gridDistance(cell, cellOf(near)) <= 1 && gridDistance(cell, cellOf(far)) === 2, 'one step to the next cell, one past it');
    replyOf(await command(phone.room, 'location.update', { ...near }));
    assert.equal(await shownCell(), first);
    replyOf(await command(phone.room, 'location.update', { ...far }));
    assert.notEqual(await shownCell(), first);
  });

  it('refuses a jump faster than anyone travels, and location updates beyond the limit', async function () {
    const [n0] = suite.nodes;
    const walker = await personAt(n0.url, { lat: 12.9716, lng: 77.5946 }, 'walker');
    const phone = await connectDevice(n0.url, walker, 'phone');
    suite.open.push(phone);
    const jump = await command(phone.room, 'location.update', { lat: 19.076, lng: 72.8777 }); // Mumbai, 840 km away
    assert.equal(codeOf(jump), 'LOCATION_IMPLAUSIBLE');
    // 840 km at an airliner's speed: the update is taken once it could have landed, about 50 minutes on.
    assert.ok('retryAfterMs' in jump && (jump.retryAfterMs ?? 0) > 40 * 60_000, `retry once the flight could have landed: ${JSON.stringify(jump)}`);
    const codes: string[] = [];
    for (let i = 0; i < 15; i++) codes.push(codeOf(await command(phone.room, 'location.update', { ...destinationPoint({ lat: 12.9716, lng: 77.5946 }, 0.1 * i, 90) })));
    assert.ok(codes.includes('ok') && codes.includes('RATE_LIMITED'), codes.join(' '));
    assert.ok(codes.filter((c) => c === 'ok').length <= 10, `at most the burst: ${codes.join(' ')}`);
  });
});
