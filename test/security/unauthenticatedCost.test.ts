import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { useEmbeddedNode } from '../support/backends';
import { ADMIN_KEY } from '../support/operator';

const BODY = Buffer.alloc(64 * 1024 * 1024, 0x61);
/** What the node may grow by while refusing every one of those bodies: a few MB, nothing like a body. */
const GROWTH_LIMIT_MB = 10;

const residentMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** Sends the 64 MiB body, declared or chunked, and resolves with the status (0 when the node hung up first, -1 when it never answered). */
function sendBody(baseUrl: string, method: string, path: string, chunked: boolean): Promise<number> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    // A socket of its own, never pooled: a node that answers early leaves the rest of the
    // body unsent, and the write the node resets must reach this request's error handler.
    const request = http.request({
      host: url.hostname,
      port: url.port,
      method,
      path,
      agent: false,
      headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': String(BODY.length) }) },
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => {
        resolve(response.statusCode ?? 0);
        request.destroy();
      });
    });
    request.on('error', () => resolve(0));
    request.setTimeout(20_000, () => {
      resolve(-1);
      request.destroy();
    });
    if (chunked) {
      for (let at = 0; at < BODY.length; at += 1024 * 1024) request.write(BODY.subarray(at, at + 1024 * 1024));
      request.end();
    } else {
      request.end(BODY);
    }
  });
}

describe('security: nothing unauthenticated is expensive', function () {
  const suite = useEmbeddedNode({ ADMIN_API_KEY: ADMIN_KEY });

  it(`refuses a 64 MiB body to any path and method, known or not, without growing by more than ${GROWTH_LIMIT_MB} MB`, async function () {
    this.timeout(120_000);
    const targets: Array<[string, string]> = [
      ['POST', '/no-such-route'],
      ['PUT', '/no/such/route'],
      ['DELETE', '/no-such-route'],
      ['POST', '/./matchmake/joinById/session_x'],
      ['POST', '/monitor/api'],
      ['GET', '/monitor/api'],
      ['POST', '/auth/register'],
      ['POST', '/matchmake/joinOrCreate/session'],
      ['PATCH', '/cards/00000000-0000-4000-8000-000000000000'],
      ['POST', '/livekit/webhook'],
    ];
    await fetch(`${suite.node.url}/healthz`);
    const before = residentMb(suite.node.child.pid!);
    for (const chunked of [false, true]) {
      for (const [method, path] of targets) {
        const status = await sendBody(suite.node.url, method, path, chunked);
        assert.ok(status === 0 || (status >= 400 && status < 500), `${method} ${path}${chunked ? ' chunked' : ''}: ${status}`);
      }
    }
    const grownMb = residentMb(suite.node.child.pid!) - before;
    assert.ok(grownMb < GROWTH_LIMIT_MB, `grew by ${grownMb.toFixed(1)} MB over ${targets.length * 2} bodies of 64 MiB`);
    assert.equal((await fetch(`${suite.node.url}/healthz`)).status, 200, 'and serves on');
  });
});
