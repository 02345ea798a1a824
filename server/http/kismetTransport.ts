import type { Router } from '@colyseus/core';
import { uWebSocketsTransport, type TransportOptions } from '@colyseus/uwebsockets-transport';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { ErrorCode, HTTP_STATUS_BY_CODE } from '../../domain/errors';
import { isCanonicalPath } from './requestPaths';

/** The panel's path; its API answers pages of the configured origins alone. */
export const MONITOR_PREFIX = '/monitor';

export interface FallbackOptions {
  /** Origins whose pages may call the monitor panel's API (CORS); none by default. */
  readonly monitorOrigins: readonly string[];
  readonly onError: (error: unknown) => void;
}

const isMonitorPath = (url: string) => url === MONITOR_PREFIX || url.startsWith(`${MONITOR_PREFIX}/`);

function writeJson(res: HttpResponse, code: ErrorCode, message: string): void {
  res.cork(() => {
    res.writeStatus(String(HTTP_STATUS_BY_CODE[code]));
    res.writeHeader('content-type', 'application/json');
    res.end(JSON.stringify({ code, message }));
  });
}

/**
 * The uWS transport with Kismet's own fallback for every request that no
 * Kismet route took. Colyseus's stock fallback hands everything to its router,
 * which normalises paths (so `/./matchmake/joinById/...` reached a matchmaking
 * method Kismet never offers), buffers any body whole without a limit, and
 * answers every origin's preflight with credentials. Here:
 * - a path that is not canonical is refused (400 INVALID_PATH) before routing;
 * - only the monitor panel's GETs reach Colyseus's router, and they carry no body;
 * - everything else is 404 NOT_FOUND at once, its body never read;
 * - CORS is granted to the configured monitor origins on the panel alone.
 */
export class KismetTransport extends uWebSocketsTransport {
  constructor(
    options: TransportOptions,
    private readonly fallback: FallbackOptions,
  ) {
    super(options);
  }

  override bindRouter(router: Router): void {
    this.app.options('/*', (res, req) => {
      const url = req.getUrl();
      const origin = req.getHeader('origin');
      const allowed = isMonitorPath(url) && this.fallback.monitorOrigins.includes(origin);
      res.cork(() => {
        res.writeStatus('204 No Content');
        res.writeHeader('vary', 'origin');
        if (allowed) {
          res.writeHeader('access-control-allow-origin', origin);
          res.writeHeader('access-control-allow-credentials', 'true');
          res.writeHeader('access-control-allow-methods', 'GET, HEAD');
          res.writeHeader('access-control-allow-headers', 'authorization');
          res.writeHeader('access-control-max-age', '600');
        }
        res.end();
      });
    });

    this.app.any('/*', (res, req) => {
      const url = req.getUrl();
      const method = req.getMethod().toUpperCase();
      if (!isCanonicalPath(url)) {
        writeJson(res, ErrorCode.INVALID_PATH, 'the path has dot segments, doubled slashes or encoded separators');
        return;
      }
      if ((method === 'GET' || method === 'HEAD') && isMonitorPath(url) && router.findRoute(method, url) !== undefined) {
        this.toRouter(router, res, req, method, url);
        return;
      }
      writeJson(res, ErrorCode.NOT_FOUND, 'no such route');
    });
  }

  /** uWS listens on every interface unless told a host; the stock transport never tells it. */
  override listen(port: number, hostname?: string, _backlog?: number, listeningListener?: () => void): this {
    const callback = (socket: unknown) => {
      (this as unknown as { _listeningSocket: unknown })._listeningSocket = socket;
      listeningListener?.();
    };
    if (hostname === undefined) this.app.listen(port, callback);
    else this.app.listen(hostname, port, callback);
    return this;
  }

  /** A bodiless request for the monitor panel, answered by Colyseus's router. */
  private toRouter(router: Router, res: HttpResponse, req: HttpRequest, method: string, url: string): void {
    const abort = new AbortController();
    res.onAborted(() => abort.abort());
    const headers = new Headers();
    req.forEach((key, value) => headers.set(key, value));
    const query = req.getQuery();
    const origin = headers.get('origin');
    const request = new Request(`http://localhost${url}${query ? `?${query}` : ''}`, { method, headers, signal: abort.signal });
    router
      .handler(request)
      .then(async (response) => {
        const body = await response.arrayBuffer();
        if (abort.signal.aborted) return;
        res.cork(() => {
          res.writeStatus(`${response.status} ${response.statusText}`.trim());
          if (origin !== null && this.fallback.monitorOrigins.includes(origin)) {
            res.writeHeader('access-control-allow-origin', origin);
            res.writeHeader('access-control-allow-credentials', 'true');
            res.writeHeader('vary', 'origin');
          }
          response.headers.forEach((value, key) => {
            if (key.toLowerCase() !== 'content-length') res.writeHeader(key, value);
          });
          res.end(body);
        });
      })
      .catch((error: unknown) => {
        this.fallback.onError(error);
        if (!abort.signal.aborted) writeJson(res, ErrorCode.INTERNAL, 'internal error');
      });
  }
}
