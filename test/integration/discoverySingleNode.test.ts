import assert from 'node:assert/strict';
import { latLngToCell } from 'h3-js';
import { destinationPoint } from '../../domain/geo';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { command, connectDevice, disconnect, waitForEvents, waitUntil, type Device } from '../support/accounts';
import { BACKENDS } from '../support/backends';
import { crowdAt, deckIds, deckOf, personAt, watchLobby } from '../support/discovery';
import { replyOf } from '../support/matches';

// One process with in-process presence: the quick start's node (PGlite) and a lone node on Postgres. Lobbies and decks work there too.
for (const backend of BACKENDS) describe(`discovery on one node, ${backend.name}`, function () {
  let node: NodeHandle | undefined;
  let teardown: () => Promise<void> = async () => {};
  const open: Array<{ room: Device['room'] }> = [];

  before(async function () {
    const setup = await backend.setup(this);
    if (!setup) return;
    teardown = setup.teardown;
    node = await startNodeProcess(setup.env);
  });

  after(async () => {
    await Promise.all(open.map(disconnect));
    await node?.stop();
    await teardown();
  });

  it('places people in their lobby, counts them, and serves and caches decks', async () => {
    const here = { lat: 28.6315, lng: 77.2167 }; // Connaught Place, Delhi
    const [searcher, near, far] = await Promise.all([
      personAt(node!.url, here, 'searcher'),
      personAt(node!.url, destinationPoint(here, 3, 90), 'near'),
      personAt(node!.url, destinationPoint(here, 40, 90), 'far'),
    ]);
    const cell = latLngToCell(here.lat, here.lng, 7);
    // The searcher online in their cell with five others, the first figure past "a few"; nobody counts themselves.
    open.push(...(await crowdAt(node!.url, here, 5)));
    const phone = await connectDevice(node!.url, searcher, 'phone');
    open.push(phone);
    await waitForEvents(phone, (events) => events.some((e) => e.type === 'lobby.changed' && e.data['cell'] === cell));
    const watch = await watchLobby(node!.url, searcher, cell);
    open.push(watch);
    await waitUntil(() => watch.counts().at(-1) === 5, 10_000, () => `five others in the lobby: ${watch.counts()}`);

    const cold = await deckOf(phone, searcher.card.id);
    assert.deepEqual([cold.cached, deckIds(cold).has(near.card.id), deckIds(cold).has(far.card.id)], [false, true, false]);
    replyOf(await command(phone.room, 'swipe', { fromCardId: searcher.card.id, toCardId: near.card.id, action: 'pass' }));
    const cached = await deckOf(phone, searcher.card.id);
    assert.deepEqual([cached.cached, deckIds(cached).has(near.card.id)], [true, false]);
  });
});
