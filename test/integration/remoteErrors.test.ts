import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { latLngToCell } from 'h3-js';
import { startNodeProcess } from '../../loadtest/harness/nodeProcess';
import { actorRoomId } from '../../contracts/actors';
import { command, connectDevice, requestJson } from '../support/accounts';
import { useTestCluster } from '../support/cluster';
import { personAt } from '../support/discovery';
import { codeOf, replyOf } from '../support/matches';

const HERE = { lat: 12.9716, lng: 77.5946 };

/**
 * A coded refusal made on one node reaches a client of another node as itself:
 * a session asks the lobby of its cell, on another node, for a deck, and that
 * lobby's database read gives up. The client hears UNAVAILABLE with when to
 * retry, as it would had its own node failed, not a bare INTERNAL.
 */
describe('coded errors across nodes', function () {
  // Node 0 starts here; node 1, with a short database wait, is added below. Local placement pins each actor to the node its first join reached.
  const suite = useTestCluster(1, { ACTOR_PLACEMENT: 'local' });

  it('brings a lobby’s UNAVAILABLE from one node to a session’s client on another, with its retry hint', async function () {
    this.timeout(60_000);
    const cluster = suite.cluster;
    const lobbyNode = await startNodeProcess({ ...cluster.env, DEPENDENCY_TIMEOUT_MS: '300' });
    cluster.nodes.push(lobbyNode);
    const sessionNode = cluster.nodes[0]!;
    const cell = latLngToCell(HERE.lat, HERE.lng, 7);

    // Someone in the cell, through the lobby's node: the cell's lobby is made there.
    const neighbour = await personAt(lobbyNode.url, HERE, 'neighbour');
    const neighbourPhone = await connectDevice(lobbyNode.url, neighbour, 'phone');
    suite.open.push(neighbourPhone);
    const listing = new Redis(cluster.env['REDIS_URL']!);
    const lobbyProcess = JSON.parse((await listing.hget('roomcaches', actorRoomId('cell', cell))) ?? '{}') as { processId?: string };
    assert.equal(lobbyProcess.processId, neighbourPhone.ready.node, 'the lobby lives on the node its first visitor came through');

    const searcher = await personAt(sessionNode.url, HERE, 'searcher');
    assert.equal((await requestJson(sessionNode.url, 'PUT', '/me/preferences', { token: searcher.accessToken, body: { maxDistanceKm: 10 } })).status, 200);
    const phone = await connectDevice(sessionNode.url, searcher, 'phone');
    suite.open.push(phone);
    assert.notEqual(phone.ready.node, lobbyProcess.processId, 'the session and the lobby are on different nodes');
    listing.disconnect();

    // The deck's candidate read needs `blocks`, which the session's own reads do not: hold it, so only the lobby's node waits.
    const holder = await cluster.pool.connect();
    try {
      await holder.query('begin');
      await holder.query('lock table blocks in access exclusive mode');
      const refused = await command(phone.room, 'deck', { cardId: searcher.card.id });
      assert.equal(codeOf(refused), 'UNAVAILABLE', JSON.stringify(refused));
      assert.ok('retryAfterMs' in refused && (refused.retryAfterMs ?? 0) > 0, 'with when to retry');
    } finally {
      await holder.query('rollback');
      holder.release();
    }
    const deck = replyOf<{ cards: Array<{ card: { id: string } }> }>(await command(phone.room, 'deck', { cardId: searcher.card.id }));
    assert.ok(deck.cards.some((c) => c.card.id === neighbour.card.id), 'and the same lobby answers once the database does');
  });
});
