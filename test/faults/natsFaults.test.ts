import assert from 'node:assert/strict';
import { startNodeProcess } from '../../loadtest/harness/nodeProcess';
import { waitUntil } from '../support/accounts';
import { metricValue, useTestCluster } from '../support/cluster';
import { matchedPair } from '../support/matches';
import { eventsOfType, outboxPublished, useNatsStream } from '../support/nats';
import { TcpProxy } from '../support/tcpProxy';

const natsUp = (node: { url: string }) => metricValue(node, /^kismet_dependency_up\{dependency="nats"/);

describe('NATS going away and coming back', function () {
  const stream = useNatsStream();
  const suite = useTestCluster(0, stream.env);
  let proxy: TcpProxy | undefined;
  after(async () => {
    await proxy?.close();
  });

  it('is reported, never refuses users, keeps the events in the outbox and publishes them once NATS is back', async () => {
    proxy = await TcpProxy.start(stream.port);
    suite.cluster.nodes.push(await startNodeProcess({ ...suite.cluster.env, NATS_URL: `nats://127.0.0.1:${proxy.port}` }));
    const [node] = suite.cluster.nodes;
    await waitUntil(async () => (await natsUp(node!)) === 1, 20_000, () => 'NATS reported up');

    proxy.cut();
    await waitUntil(async () => (await natsUp(node!)) === 0, 20_000, () => 'NATS reported down');
    // Users are served as before: a match is made and stored, its events wait.
    const { matchId } = await matchedPair(node!.url);
    const ready = await fetch(`${node!.url}/readyz`);
    assert.equal(ready.status, 200, 'NATS is not a dependency of users’ commands');
    await waitUntil(async () => (await metricValue(node!, /^kismet_domain_event_outbox_depth/)) >= 3, 20_000, () => 'the outbox depth to show the waiting events');
    assert.equal(eventsOfType(await stream.messages(), 'match.created').length, 0);

    proxy.restore();
    await waitUntil(async () => (await natsUp(node!)) === 1, 20_000, () => 'NATS reported back');
    const events = await stream.waitFor((all) => eventsOfType(all, 'match.created', (d) => d['matchId'] === matchId).length === 1);
    assert.equal(eventsOfType(events, 'swipe.recorded').length, 2);
    await outboxPublished(suite.cluster.pool);
    assert.equal((await stream.messages()).length, 3);
  });
});
