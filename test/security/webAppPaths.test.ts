import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { webAppPolicy } from '../../server/http/webAppRoute';
import { BACKENDS, useSingleNode } from '../support/backends';
import { WEB_APP_DIR } from '../support/browser';
import { rawRequest } from '../support/rawHttp';

/** The sources of a policy's connect-src. */
const connectSources = (policy: string) => /(?:^|;)\s*connect-src ([^;]*)/.exec(policy)?.[1]?.trim().split(/\s+/) ?? [];

describe('the web app at /app/', function () {
  const suite = useSingleNode(BACKENDS[0]!);

  it('serves the built app by exact file name, with its content types', async () => {
    const page = await rawRequest(suite.node.url, 'GET', '/app/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.body, fs.readFileSync(path.join(WEB_APP_DIR, 'index.html'), 'utf8'));
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    // A node on its own: the page talks to the node that served it, and to nothing else.
    assert.deepEqual(connectSources(String(page.headers['content-security-policy'])), ["'self'"]);
    const script = await rawRequest(suite.node.url, 'GET', '/app/app.js');
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
  });

  it('lets the page of a cluster node connect to the nodes of the cluster alone, never to a whole scheme', () => {
    const policy = webAppPolicy({ publicAddress: 'kismet-1.example.com:2567', clusterHosts: ['kismet-2.example.com', 'kismet-1.example.com'] });
    assert.deepEqual(connectSources(policy), [
      "'self'", 'ws://kismet-1.example.com:*', 'wss://kismet-1.example.com:*', 'ws://kismet-2.example.com:*', 'wss://kismet-2.example.com:*',
    ]);
    // An IPv6 literal has no form in a policy: its node is reached as 'self' alone.
    assert.deepEqual(connectSources(webAppPolicy({ publicAddress: '[2001:db8::1]:2567', clusterHosts: [] })), ["'self'"]);
    for (const source of connectSources(policy)) assert.doesNotMatch(source, /^[a-z-]+:$|^\*|:\/\/\*/, source);
  });

  it('never reads outside the app, however the path is crafted', async () => {
    const crafted = [
      '/app/../package.json', '/app/../../package.json', '/app/./index.html', '/app//index.html',
      '/app/%2e%2e/package.json', '/app/%2E%2E%2Fpackage.json', '/app/..%2fpackage.json', '/app/..%5cpackage.json',
      '/app/\\..\\package.json', '/app/%00index.html',
    ];
    for (const target of crafted) {
      const answer = await rawRequest(suite.node.url, 'GET', target);
      assert.equal(answer.json?.code, 'INVALID_PATH', `${target}: ${answer.status} ${answer.body.slice(0, 80)}`);
    }
    for (const target of ['/app/package.json', '/app/server/main.js', '/app/app.ts', '/app/index.html/x', '/app/secrets.json']) {
      const answer = await rawRequest(suite.node.url, 'GET', target);
      assert.equal(answer.json?.code, 'NOT_FOUND', `${target}: ${answer.status}`);
    }
  });
});
