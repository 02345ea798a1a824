import assert from 'node:assert/strict';
import { destinationPoint } from '../../domain/geo';
import { connectDevice, disconnect, requestJson, waitUntil, type Device } from '../support/accounts';
import { deckIds, deckOf, personAt } from '../support/discovery';
import { startFaultCluster, type FaultCluster } from '../support/faultCluster';
import { SCENARIO_WAIT_MS } from '../support/faultScenario';

const readyz = async (url: string) => (await fetch(`${url}/readyz`).catch(() => undefined))?.status;

describe('faults: what a node did not hear while cut off from Redis', function () {
  this.timeout(300_000);
  let cluster: FaultCluster | undefined;
  const devices: Device[] = [];

  before(async function () {
    // Nodes fence after 1¼ STALE_NODE_TIMEOUT_MS without Redis: far longer than this cut.
    cluster = await startFaultCluster(this, { env: { ACTOR_PLACEMENT: 'local', STALE_NODE_TIMEOUT_MS: '60000' }, chatPairs: 0, swipers: 0 });
  });

  after(async () => {
    await Promise.all(devices.map(disconnect));
    await cluster?.close();
  });

  it('a block published while the searcher’s node was cut off: its decks are built again once it is back, without the blocked person', async function () {
    if (!cluster) return this.skip();
    const [n0, n1] = cluster.nodes;
    // Marina Beach, Chennai, and a neighbour 1 km away.
    const here = { lat: 13.05, lng: 80.2824 };
    const searcher = await personAt(n0.url, here, 'searcher');
    const neighbour = await personAt(n1.url, destinationPoint(here, 1, 90), 'neighbour');
    const phone = await connectDevice(n0.url, searcher, 'phone');
    devices.push(phone);
    const cold = await deckOf(phone, searcher.card.id);
    assert.equal(cold.cached, false);
    assert.ok(deckIds(cold).has(neighbour.card.id));
    assert.equal((await deckOf(phone, searcher.card.id)).cached, true);

    cluster.proxy.cut();
    await waitUntil(async () => (await readyz(n0.url)) === 503, SCENARIO_WAIT_MS, () => 'node 0 to report it lost Redis');
    // Stored, and published where nobody on node 0 can hear it.
    const blocked = await requestJson(n1.url, 'POST', '/me/blocks', { token: neighbour.accessToken, body: { userId: searcher.userId } });
    assert.equal(blocked.status, 200);
    cluster.proxy.restore();
    await waitUntil(async () => (await readyz(n0.url)) === 200, SCENARIO_WAIT_MS, () => 'node 0 to rejoin');

    const after = await deckOf(phone, searcher.card.id);
    assert.equal(after.cached, false, 'built again after the outage');
    assert.ok(!deckIds(after).has(neighbour.card.id), 'the person who blocked the searcher is not shown');
  });
});
