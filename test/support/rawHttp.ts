import http from 'node:http';

export interface RawAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** The body as JSON, when it is. */
  readonly json: { code?: string; message?: string; [key: string]: unknown } | undefined;
}

/**
 * One HTTP request with its path sent exactly as written: `fetch` and URL
 * parsers resolve `/./`, `%2e` and the like before sending, which is just what
 * an attacker's client does not do.
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  /** A header given as a list is sent on one line each, as a chain of proxies may send X-Forwarded-For. */
  options: { headers?: Record<string, string | string[]>; body?: string | Buffer; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: url.hostname, port: url.port, method, path, headers: { ...options.headers, ...(options.body !== undefined ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let json: RawAnswer['json'];
          try {
            json = JSON.parse(body) as RawAnswer['json'];
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body, json });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    // A request the server never answers is a failure of its own, not a test that hangs.
    request.setTimeout(options.timeoutMs ?? 10_000, () => request.destroy(new Error(`no answer to ${method} ${path}`)));
    request.end(options.body);
  });
}
