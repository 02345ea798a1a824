import http from 'node:http';
import https from 'node:https';
import type { FetchFn } from '@colyseus/sdk';
import { keepAliveAgent } from './postJson';

/** Statuses whose answers carry no body (a Response refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * The `fetch` the client library's connections use in a load process
 * (`ActorConnection`'s `fetch` option), on `node:http` with the process's
 * kept-alive connections. A load process is thousands of devices, and when a
 * node dies they all rejoin at once: undici's `fetch` cost 3–4 times the CPU per
 * request in such a burst (postJson.ts), CPU the nodes under test share. The
 * devices' protocol is unchanged: same requests, same answers, and a request that
 * reaches no server fails as `fetch` fails (a TypeError with the cause).
 */
export const nodeFetch: FetchFn = (input, init = {}) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const agent = keepAliveAgent(url);
  if (!agent) return Promise.reject(new TypeError(`not an http(s) URL: ${url.href}`));
  if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
    return Promise.reject(new TypeError('nodeFetch sends string bodies only'));
  }
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, key) => (headers[key] = value));
  const body = init.body ? Buffer.from(init.body) : undefined;
  if (body) headers['content-length'] = String(body.length);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<Response>((resolve, reject) => {
    const request = transport.request(url, { method: init.method ?? 'GET', agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const answerHeaders = new Headers();
        for (const [key, value] of Object.entries(response.headers)) {
          if (value !== undefined) answerHeaders.set(key, Array.isArray(value) ? value.join(', ') : value);
        }
        const status = response.statusCode ?? 0;
        resolve(new Response(NO_BODY.has(status) ? null : Buffer.concat(chunks), { status, statusText: response.statusMessage ?? '', headers: answerHeaders }));
      });
    });
    request.on('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
    init.signal?.addEventListener('abort', () => request.destroy(new Error('aborted')), { once: true });
    request.end(body);
  });
};
