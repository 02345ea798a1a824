import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BACKENDS, useSingleNode } from '../support/backends';
import { WEB_APP_DIR } from '../support/browser';
import { rawRequest } from '../support/rawHttp';

describe('the web app at /app/', function () {
  const suite = useSingleNode(BACKENDS[0]!);

  it('serves the built app by exact file name, with its content types', async () => {
    const page = await rawRequest(suite.node.url, 'GET', '/app/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.body, fs.readFileSync(path.join(WEB_APP_DIR, 'index.html'), 'utf8'));
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    const script = await rawRequest(suite.node.url, 'GET', '/app/app.js');
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
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
