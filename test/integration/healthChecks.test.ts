import assert from 'node:assert/strict';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { waitUntil } from '../support/accounts';
import { startTestCluster, type TestCluster } from '../support/cluster';
import { rawRequest } from '../support/rawHttp';
import { TcpProxy } from '../support/tcpProxy';

/** What a load balancer's check sees: a status alone. */
const check = async (url: string, method: string, path: string) => (await rawRequest(url, method, path)).status;

/**
 * Load balancers check a node with GET, HEAD or OPTIONS (HAProxy's default
 * `option httpchk` sends `OPTIONS /`): each must see a node that is not ready
 * as down.
 */
describe('health checks', function () {
  let cluster: TestCluster | undefined;
  let proxy: TcpProxy | undefined;
  let node: NodeHandle;

  before(async function () {
    cluster = await startTestCluster(this, 0);
    if (!cluster) return;
    // The node reaches Redis through a proxy the test cuts, to make it not ready.
    const redis = new URL(cluster.env['REDIS_URL']!);
    proxy = await TcpProxy.start(Number(redis.port));
    node = await startNodeProcess({ ...cluster.env, REDIS_URL: `redis://127.0.0.1:${proxy.port}${redis.pathname}` });
    cluster.nodes.push(node);
  });

  after(async () => {
    await cluster?.close();
    await proxy?.close();
  });

  it('answers HEAD on the GET routes as GET, without the body', async () => {
    for (const path of ['/healthz', '/readyz', '/app/', '/app/app.js', '/openapi.json', '/no/such/route', '/app/../package.json']) {
      const get = await rawRequest(node.url, 'GET', path);
      const head = await rawRequest(node.url, 'HEAD', path);
      assert.equal(head.status, get.status, path);
      assert.equal(head.headers['content-type'], get.headers['content-type'], path);
      assert.equal(head.headers['content-length'], String(Buffer.byteLength(get.body)), path);
      assert.equal(head.body, '', path);
    }
    assert.equal(await check(node.url, 'HEAD', '/readyz'), 200, 'a ready node');
    assert.equal(await check(node.url, 'HEAD', '/app/'), 200, 'the web app');
  });

  it('answers an OPTIONS that is no preflight (no Origin) 404, so it never passes for a health check', async () => {
    for (const path of ['/', '/healthz', '/readyz', '/auth/login']) {
      const answer = await rawRequest(node.url, 'OPTIONS', path);
      assert.equal(answer.status, 404, path);
      assert.equal(answer.json?.code, 'NOT_FOUND', path);
    }
    const preflight = await rawRequest(node.url, 'OPTIONS', '/readyz', { headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET' } });
    assert.equal(preflight.status, 204, 'a preflight is answered as before');
  });

  it('shows a node that is not ready as down to GET, HEAD and OPTIONS checks alike', async () => {
    proxy!.cut();
    await waitUntil(async () => (await check(node.url, 'GET', '/readyz')) === 503, 30_000, () => 'readyz 503 once Redis is cut off');
    assert.equal(await check(node.url, 'HEAD', '/readyz'), 503);
    assert.equal(await check(node.url, 'OPTIONS', '/'), 404);
    proxy!.restore();
    await waitUntil(async () => (await check(node.url, 'HEAD', '/readyz')) === 200, 30_000, () => 'readyz 200 once Redis is back');
  });
});
