import http from 'node:http';
import https from 'node:https';

/**
 * Connections kept for reuse, without limit, as `fetch` keeps them: a load
 * process's devices reuse its idle connections to a node between requests.
 * An idle one is closed here after 4 s (fetch's own keep-alive time), well before
 * a node closes it (uWS closes an HTTP connection idle for 10 s): reused just as
 * the node closed it, it would fail its request with a reset or a hang-up.
 */
const IDLE_CLOSE_MS = 4_000;
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: IDLE_CLOSE_MS }),
  'https:': new https.Agent({ keepAlive: true, timeout: IDLE_CLOSE_MS }),
};

/** The kept-alive connections of a load process to `url`'s origin, or undefined for a URL that is not http(s). */
export function keepAliveAgent(url: URL): http.Agent | undefined {
  return agents[url.protocol as keyof typeof agents];
}

export interface JsonAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A JSON POST through `node:http`. A load process sends a thousand of these at
 * once (a live event's burst); in a cold burst of 1,000 on these machines `fetch`
 * took 1.6–2.0 ms of the process's CPU per request and `node:http` 0.4–0.6 ms,
 * CPU the nodes under test share (loadtest/README.md).
 */
export function postJson(url: string, payload: unknown, headers: Readonly<Record<string, string>> = {}): Promise<JsonAnswer> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  const agent = keepAliveAgent(target);
  if (!agent) return Promise.reject(new Error(`not an http(s) URL: ${url}`));
  const body = Buffer.from(JSON.stringify(payload));
  return new Promise((resolve, reject) => {
    const request = transport.request(
      target,
      { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': String(body.length) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: response.statusCode ?? 0, body: text.length > 0 ? JSON.parse(text) : undefined });
          } catch {
            reject(new Error(`answered ${response.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`));
          }
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
