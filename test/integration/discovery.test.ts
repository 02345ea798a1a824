import assert from 'node:assert/strict';
import { latLngToCell } from 'h3-js';
import { destinationPoint, greatCircleKm } from '../../domain/geo';
import { discoveryPoint } from '../../domain/locationPrivacy';
import { KismetCloseCode } from '../../contracts/common';
import type { NearbyMessage } from '../../contracts/deck';
import { command, connectDevice, disconnect, eventsOf, expectJoinRefused, requestJson, waitForEvents, waitUntil, withTimeout, type Device } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { crowdAt, deckAnswer, deckIds, deckOf, personAt, watchLobby } from '../support/discovery';
import { codeOf, registerPerson, replyOf, type Person } from '../support/matches';
import { ADMIN_KEY } from '../support/operator';
import { stalledNode } from '../support/stalledNode';


describe('discovery lobbies and decks, on two nodes', function () {
  const suite = useTestCluster(2, { ACTOR_PLACEMENT: 'local', ADMIN_API_KEY: ADMIN_KEY });
  const nodes = () => suite.nodes;
  const { device } = suite;
  const setMaxDistance = async (person: Person, maxDistanceKm: number) => {
    const saved = await requestJson(nodes()[1].url, 'PUT', '/me/preferences', { token: person.accessToken, body: { maxDistanceKm } });
    assert.equal(saved.status, 200);
  };

  describe('geography', () => {
    // MG Road, Bengaluru, and cards on six bearings at known distances from it. Others see a person at
    // the centre of their privacy cell, so the distances that count are between those centres (neighbouring
    // centres are about 2.4 km apart): each card stands where that distance rounds to the one wanted.
    const searcherAt = { lat: 12.9756, lng: 77.6067 };
    const seen = discoveryPoint(searcherAt);
    const placed = [3, 5, 9, 24, 49, 51].map((km, i) => {
      for (let turn = 0; turn < 360; turn += 5) {
        for (let d = Math.max(0.2, km - 3); d <= km + 3; d += 0.05) {
          const at = destinationPoint(searcherAt, d, 15 + i * 60 + turn);
          const shownKm = greatCircleKm(seen, discoveryPoint(at));
          if (Math.round(shownKm) === km) return { km, shownKm, at };
        }
      }
      throw new Error(`no point shows ${km} km`);
    });

    it('shows a card exactly when it lies within the searcher’s maximum distance, across cells and rings', async () => {
      const [n0, n1] = nodes();
      const searcher = await personAt(n0.url, searcherAt, 'searcher');
      const cards = await Promise.all(placed.map(async (p, i) => ({ ...p, person: await personAt(i % 2 ? n1.url : n0.url, p.at, `${p.km} km`) })));
      // The geometry under test: cells other than the searcher's.
      const searcherCell = latLngToCell(searcherAt.lat, searcherAt.lng, 7);
      assert.ok(cards.every((c) => c.person.card.h3Cell !== searcherCell));

      const phone = await device(n0.url, searcher);
      for (const maxKm of [6, 10, 25, 50, 4]) {
        await setMaxDistance(searcher, maxKm);
        const deck = await deckOf(phone, searcher.card.id);
        assert.equal(deck.cached, false, `${maxKm} km: a new preference rebuilds the deck`);
        const shown = cards.filter((c) => deckIds(deck).has(c.person.card.id)).map((c) => c.km);
        assert.deepEqual(shown, placed.filter((p) => p.shownKm <= maxKm).map((p) => p.km), `within ${maxKm} km`);
        for (const entry of deck.cards) {
          const card = cards.find((c) => c.person.card.id === entry.card.id);
          if (card) assert.equal(entry.distanceKm, card.km, `distance of the ${card.km} km card, in whole kilometres`);
        }
      }
    });
  });

  describe('lobbies', () => {
    // Juhu, Mumbai, and the first point due east in another cell.
    const west = { lat: 19.1075, lng: 72.8263 };
    const westCell = latLngToCell(west.lat, west.lng, 7);
    let east = west;
    while (latLngToCell(east.lat, east.lng, 7) === westCell) east = { lat: east.lat, lng: east.lng + 0.002 };
    const eastCell = latLngToCell(east.lat, east.lng, 7);

    /** Resolves once `phone`'s user is placed in the lobby of `cell` (their session tells their devices). */
    const placedIn = (phone: Device, cell: string) =>
      waitForEvents(phone, (events) => events.some((e) => e.type === 'lobby.changed' && e.data['cell'] === cell));

    it('moves a walker from one lobby to the next, and both "nearby now" figures change at the edge of "a few"', async () => {
      const [n0, n1] = nodes();
      const [inWest, inEast, walker] = await Promise.all([personAt(n0.url, west, 'west'), personAt(n1.url, east, 'east'), personAt(n1.url, west, 'walker')]);
      // Four more people online in each cell: four others are "a few" (0), the walker makes five.
      suite.open.push(...(await crowdAt(n0.url, west, 4)), ...(await crowdAt(n1.url, east, 4)));
      // Watchers are present in their own cells through their sessions, and watch them; they never count themselves.
      await placedIn(await device(n0.url, inWest), westCell);
      await placedIn(await device(n1.url, inEast), eastCell);
      const westWatch = await watchLobby(n1.url, inWest, westCell);
      const eastWatch = await watchLobby(n0.url, inEast, eastCell);
      suite.open.push(westWatch, eastWatch);
      // Four others each, "a few" (the walker's own place from setting up may take a moment to go).
      await waitUntil(() => westWatch.counts().at(-1) === 0 && eastWatch.counts().at(-1) === 0, 10_000, () => `a few in each: ${westWatch.counts()} ${eastWatch.counts()}`);

      const phone = await device(n0.url, walker);
      assert.equal(phone.ready.cell, westCell);
      await waitUntil(() => westWatch.counts().at(-1) === 5, 10_000, () => `walker arrives west: ${westWatch.counts()}`);
      const walkerWatch = await watchLobby(n1.url, walker, westCell);
      const walkerWatchClosed = new Promise<number>((resolve) => walkerWatch.room.onLeave((code) => resolve(code)));

      const moved = replyOf<{ h3Cell: string }>(await command(phone.room, 'location.update', east));
      assert.equal(moved.h3Cell, eastCell);
      await waitUntil(() => westWatch.counts().at(-1) === 0 && eastWatch.counts().at(-1) === 5, 10_000, () => `after the walk: ${westWatch.counts()} ${eastWatch.counts()}`);
      await placedIn(phone, eastCell);
      assert.ok(eventsOf(phone).some((e) => e.type === 'lobby.changed' && e.data['cell'] === eastCell && e.data['previousCell'] === westCell));
      // The old lobby lets the walker's watching device go, and no longer lets it in.
      assert.equal(await walkerWatchClosed, KismetCloseCode.LOBBY_MOVED);
      assert.equal(await expectJoinRefused(watchLobby(n0.url, walker, westCell)), 'NOT_IN_CELL');
      const eastNow = await watchLobby(n0.url, walker, eastCell);
      suite.open.push(eastNow);
      assert.equal(eastNow.ready.count, 5, 'the walker sees the five others there');

      // Going offline leaves the lobby too.
      await disconnect(phone);
      await waitUntil(() => eastWatch.counts().at(-1) === 0, 10_000, () => `walker offline: ${eastWatch.counts()}`);
      assert.equal(eventsOf(phone).filter((e) => e.type === 'lobby.changed').length, 2); // placed west on connect, then east
      const sent = [...westWatch.counts(), ...eastWatch.counts()];
      assert.ok(sent.every((count) => count === 0 || count === 5), `only "a few" or five: ${sent}`);
    });

    it('does not tell a watcher when the one other person in their cell comes or goes, even one who blocked them', async () => {
      const [n0, n1] = nodes();
      const hamlet = { lat: 61.1234, lng: 10.4567 }; // Gudbrandsdalen, Norway: a cell nobody else in this suite is in
      const hamletCell = latLngToCell(hamlet.lat, hamlet.lng, 7);
      const [watcher, victim] = await Promise.all([personAt(n0.url, hamlet, 'watcher'), personAt(n1.url, hamlet, 'victim')]);
      const blocked = await requestJson(n1.url, 'POST', '/me/blocks', { token: victim.accessToken, body: { userId: watcher.userId } });
      assert.equal(blocked.status, 200);
      await placedIn(await device(n0.url, watcher), hamletCell);
      const watch = await watchLobby(n0.url, watcher, hamletCell);
      suite.open.push(watch);
      const reads = async () => replyOf<NearbyMessage>(await command(watch.room, 'nearby')).count;
      assert.equal(await reads(), 0);

      // The victim opens the app: their session places them here (their phone is told so), and a device of theirs watches too.
      const victimPhone = await connectDevice(n1.url, victim, 'phone');
      await placedIn(victimPhone, hamletCell);
      const victimWatch = await watchLobby(n1.url, victim, hamletCell);
      const victimWatchClosed = new Promise<number>((resolve) => victimWatch.room.onLeave((code) => resolve(code)));
      assert.equal(await reads(), 0, 'with the victim there');

      // And closes it: their place goes, and with it the lobby closes their watching connection.
      await disconnect(victimPhone);
      assert.equal(await withTimeout(victimWatchClosed, 10_000, 'the victim’s place taken away'), KismetCloseCode.LOBBY_MOVED);
      assert.equal(await reads(), 0, 'with the victim gone');
      assert.deepEqual(watch.counts(), [0], 'no figure was sent on either');
    });

    it('refuses to let anyone watch a lobby of a cell they are not in, or a malformed one', async () => {
      const [n0] = nodes();
      const someone = await personAt(n0.url, west, 'nosy');
      assert.equal(await expectJoinRefused(watchLobby(n0.url, someone, eastCell)), 'NOT_IN_CELL');
      assert.equal(await expectJoinRefused(watchLobby(n0.url, someone, 'not-a-cell')), 'INVALID_ROOM_OPTIONS');
      assert.equal(await expectJoinRefused(watchLobby(n0.url, { accessToken: 'forged' }, westCell)), 'TOKEN_INVALID');
    });
  });

  describe('exclusions', () => {
    // Anna Nagar, Chennai.
    const here = { lat: 13.085, lng: 80.2101 };
    const near = (i: number) => destinationPoint(here, 0.5 + i * 0.3, i * 40);

    it('never shows an excluded card, and takes cards out of cached decks at once', async () => {
      const [n0, n1] = nodes();
      const searcher = await personAt(n0.url, here, 'searcher');
      const names = ['passed', 'matched', 'blockedBySearcher', 'blocksSearcher', 'deactivated', 'banned', 'shadowBanned', 'control'] as const;
      const people = Object.fromEntries(
        await Promise.all(names.map(async (name, i) => [name, await personAt(i % 2 ? n1.url : n0.url, near(i), name)] as const)),
      ) as Record<(typeof names)[number], Person>;
      const phone = await device(n0.url, searcher);
      const idOf = (name: (typeof names)[number]) => people[name].card.id;
      const editControl = (body: Record<string, unknown>) => requestJson(n1.url, 'PATCH', `/cards/${idOf('control')}`, { token: people.control.accessToken, body });
      const portrait = { url: 'https://cdn.example.com/control.jpg', width: 800, height: 1000 };
      assert.equal((await editControl({ photos: [portrait] })).status, 200);

      const cold = await deckOf(phone, searcher.card.id);
      assert.equal(cold.cached, false);
      assert.deepEqual(names.filter((n) => deckIds(cold).has(idOf(n))), [...names], 'everyone is shown at first');
      assert.ok(!deckIds(cold).has(searcher.card.id), 'never one’s own card');

      // Decks of two of them that hold the searcher, to see blocks work both ways.
      const blockedPhone = await device(n1.url, people.blockedBySearcher);
      const blockerPhone = await device(n0.url, people.blocksSearcher);
      const shadowPhone = await device(n1.url, people.shadowBanned);
      for (const d of [blockedPhone, blockerPhone]) assert.ok(deckIds(await deckOf(d, (d === blockedPhone ? people.blockedBySearcher : people.blocksSearcher).card.id)).has(searcher.card.id));

      const cachedAfter = async (what: string, gone: (typeof names)[number]) => {
        const deck = await deckOf(phone, searcher.card.id);
        assert.equal(deck.cached, true, `${what}: served from the cache`);
        assert.ok(!deckIds(deck).has(idOf(gone)), `${what}: ${gone} is out at once`);
        return deck;
      };

      replyOf(await command(phone.room, 'swipe', { fromCardId: searcher.card.id, toCardId: idOf('passed'), action: 'pass' }));
      await cachedAfter('a pass', 'passed');

      const matchedPhone = await device(n1.url, people.matched);
      replyOf(await command(matchedPhone.room, 'swipe', { fromCardId: idOf('matched'), toCardId: searcher.card.id, action: 'like' }));
      const like = replyOf<{ matched: boolean }>(await command(phone.room, 'swipe', { fromCardId: searcher.card.id, toCardId: idOf('matched'), action: 'like' }));
      assert.equal(like.matched, true);
      await cachedAfter('a match', 'matched');

      const block = (by: Person, whom: Person) => requestJson(n1.url, 'POST', '/me/blocks', { token: by.accessToken, body: { userId: whom.userId } });
      assert.equal((await block(searcher, people.blockedBySearcher)).status, 200);
      await cachedAfter('a block by the searcher', 'blockedBySearcher');
      assert.ok(!deckIds(await deckOf(blockedPhone, idOf('blockedBySearcher'))).has(searcher.card.id), 'the blocked person’s deck loses the searcher at once');
      assert.equal((await block(people.blocksSearcher, searcher)).status, 200);
      await cachedAfter('a block of the searcher', 'blocksSearcher');
      assert.ok(!deckIds(await deckOf(blockerPhone, idOf('blocksSearcher'))).has(searcher.card.id), 'the blocker’s deck loses the searcher at once');

      const deactivated = await requestJson(n1.url, 'DELETE', `/cards/${idOf('deactivated')}`, { token: people.deactivated.accessToken });
      assert.equal(deactivated.status, 200);
      await cachedAfter('a deactivated card', 'deactivated');
      const admin = (person: Person, body: Record<string, boolean>) =>
        requestJson(n1.url, 'POST', `/admin/users/${person.userId}`, { token: ADMIN_KEY, body });
      assert.equal((await admin(people.banned, { banned: true })).status, 200);
      await cachedAfter('a ban', 'banned');
      assert.equal((await admin(people.shadowBanned, { shadowBanned: true })).status, 200);
      const cached = await cachedAfter('a shadow-ban', 'shadowBanned');
      const controlIn = (deck: typeof cached) => deck.cards.find((c) => c.card.id === idOf('control'))?.card;
      assert.deepEqual(controlIn(cached)?.photos, [portrait]);
      // An edit on another node reaches the cached deck as the card is now: a photo taken down is not shown from before.
      assert.equal((await editControl({ title: 'control, renamed', photos: [] })).status, 200);
      const afterEdit = await deckOf(phone, searcher.card.id);
      assert.equal(afterEdit.cached, true);
      assert.deepEqual([controlIn(afterEdit)?.title, controlIn(afterEdit)?.photos], ['control, renamed', []]);

      // Rebuilt from storage, the deck holds none of them either.
      await setMaxDistance(searcher, 25);
      const rebuilt = await deckOf(phone, searcher.card.id);
      assert.equal(rebuilt.cached, false);
      assert.deepEqual(names.filter((n) => deckIds(rebuilt).has(idOf(n))), ['control']);
      // A shadow-banned person notices nothing: their own deck still works and still shows others.
      const own = await deckOf(shadowPhone, idOf('shadowBanned'));
      assert.ok(deckIds(own).has(searcher.card.id) && deckIds(own).has(idOf('control')));
    });

    it('refuses a deck for a card that is not the caller’s, missing, deactivated, or without a location', async () => {
      const [n0] = nodes();
      const [a, b] = await Promise.all([personAt(n0.url, here, 'a'), personAt(n0.url, here, 'b')]);
      const phone = await device(n0.url, a);
      assert.equal(codeOf(await deckAnswer(phone, b.card.id)), 'NOT_YOUR_CARD');
      assert.equal(codeOf(await deckAnswer(phone, '00000000-0000-4000-8000-000000000000')), 'CARD_NOT_FOUND');
      assert.equal(codeOf(await command(phone.room, 'deck', { cardId: 'nope' })), 'INVALID_MESSAGE');
      assert.equal(codeOf(await command(phone.room, 'deck', { cardId: a.card.id, limit: 1000 })), 'INVALID_MESSAGE');
      const placeless = await registerPerson(n0.url, 'nowhere');
      const nowhere = await device(n0.url, placeless);
      assert.equal(codeOf(await deckAnswer(nowhere, placeless.card.id)), 'LOCATION_UNKNOWN');
      await deckOf(phone, a.card.id); // cached now: a deactivated card's deck is not served from it
      assert.equal((await requestJson(n0.url, 'DELETE', `/cards/${a.card.id}`, { token: a.accessToken })).status, 200);
      assert.equal(codeOf(await deckAnswer(phone, a.card.id)), 'CARD_INACTIVE');
    });

    it('answers a change to what decks show only once every node that heard it applied it', async () => {
      const [n0, n1] = nodes();
      const searcher = await personAt(n0.url, here, 'searcher');
      const phone = await device(n0.url, searcher);
      assert.equal((await deckOf(phone, searcher.card.id)).cached, false);
      assert.equal((await deckOf(phone, searcher.card.id)).cached, true);
      // A node that hears the searcher's topic and answers only when the test says (a stalled node);
      // when it hears the change, the answer must still be waiting for it.
      let answer: { readonly status: number } | undefined;
      const stalled = await stalledNode(suite.cluster.env['REDIS_URL']!, `kismet:user:${searcher.userId}`, () => answer !== undefined);
      try {
        const saving = requestJson(n1.url, 'PUT', '/me/preferences', { token: searcher.accessToken, body: { maxDistanceKm: 30 } }).then((a) => (answer = a));
        await waitUntil(() => stalled.heard.length === 1, 10_000, () => 'the change at the stalled node');
        assert.equal(stalled.heard[0]!.answered, false, 'not answered while a node that heard it has not applied it');
        await stalled.answer(0);
        assert.equal((await saving).status, 200);
        // The session's node applied it before the answer: the next deck is built again.
        assert.equal((await deckOf(phone, searcher.card.id)).cached, false);
      } finally {
        stalled.close();
      }
    });
  });
});
