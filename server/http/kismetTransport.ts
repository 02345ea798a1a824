import type { Router } from '@colyseus/core';
import { uWebSocketsTransport, type TransportOptions } from '@colyseus/uwebsockets-transport';
import uWS, { type HttpRequest, type HttpResponse } from 'uWebSockets.js';
import { MAX_PAGE_SIZE, MAX_TEXT_CHARS } from '../../domain/chatRules';
import { ErrorCode, HTTP_STATUS_BY_CODE } from '../../domain/errors';
import { corsHeaders, preflightHeaders, type CorsOrigins } from './cors';
import { OpenSockets } from './openSockets';
import { endHead, NOT_STORED } from './uwsHttp';
import { isCanonicalPath } from './requestPaths';

/** The panel's path; its API answers pages of the configured origins alone. */
export const MONITOR_PREFIX = '/monitor';

/** WebSocket close code for a message over the size limit (RFC 6455, "message too big"). */
export const CLOSE_MESSAGE_TOO_BIG = 1009;

/**
 * How far past the limit uWS itself still reads a message, so that Kismet can close
 * with 1009: uWS answers a message over its own `maxPayloadLength` by dropping the
 * TCP connection without a close frame (the client sees 1006).
 */
export const TRANSPORT_READ_FACTOR = 4;

/**
 * What a node holds unsent for one connection before it closes it: twice the largest
 * frame it sends (a page of MAX_PAGE_SIZE messages of MAX_TEXT_CHARS characters, up to
 * 3 bytes each in UTF-8, 2.4 MB), so that a reader on a slow link who asked for such a
 * page is not closed by the traffic that follows it.
 */
export const MAX_UNSENT_BYTES = 2 * MAX_PAGE_SIZE * (3 * MAX_TEXT_CHARS + 1024);

/** uWS's listen option that binds without SO_REUSEPORT, so a taken port fails the bind. */
const LIBUS_LISTEN_EXCLUSIVE_PORT: number = (uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number }).LIBUS_LISTEN_EXCLUSIVE_PORT;

type RawSocket = { end(code?: number, reason?: string): void };
/** What the stock transport keeps on each socket from its upgrade request, read only while the connection joins. */
type UpgradeRequest = { url?: string; searchParams?: unknown; context?: unknown };
type Wrapper = { emit(event: string | symbol, ...args: unknown[]): boolean };
type ListenWithOptions = {
  (port: number, options: number, cb: (listenSocket: unknown) => void): unknown;
  (host: string, port: number, options: number, cb: (listenSocket: unknown) => void): unknown;
};

export interface FallbackOptions {
  /** Origins whose pages may call the monitor panel's API (CORS); none by default. */
  readonly monitorOrigins: readonly string[];
  /** Origins whose pages may call every other route (config CORS_ORIGINS). */
  readonly corsOrigins: CorsOrigins;
  readonly onError: (error: unknown) => void;
}

/**
 * Once a connection has joined (or failed to), nothing reads its upgrade request
 * again: the stock transport keeps its URL, query and auth context (every header)
 * on the socket for the connection's life, about 1 KB of each connection's heap.
 */
function forgetUpgradeRequest(socket: UpgradeRequest): void {
  socket.url = undefined;
  socket.searchParams = undefined;
  socket.context = undefined;
}

const isMonitorPath = (url: string) => url === MONITOR_PREFIX || url.startsWith(`${MONITOR_PREFIX}/`);

/** An error's answer; to a HEAD, without its body, as HTTP has it. */
function writeJson(res: HttpResponse, code: ErrorCode, message: string, headers: Readonly<Record<string, string>> = {}, head = false): void {
  const body = JSON.stringify({ code, message });
  res.cork(() => {
    res.writeStatus(String(HTTP_STATUS_BY_CODE[code]));
    res.writeHeader('content-type', 'application/json');
    for (const [key, value] of Object.entries({ ...NOT_STORED, ...headers })) res.writeHeader(key, value);
    if (head) endHead(res, Buffer.byteLength(body));
    else res.end(body);
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
 * - every preflight (OPTIONS) is answered here, for Kismet's routes as for the
 *   panel: CORS_ORIGINS grant the routes, the monitor origins the panel alone;
 *   an OPTIONS without an Origin is no preflight, and finds no route (404).
 *
 * It also listens exclusively (`LIBUS_LISTEN_EXCLUSIVE_PORT`), on the configured
 * host: uWS otherwise listens with port reuse, and a second node started on a
 * taken port would share it and report ready. And a message over
 * `maxPayloadLength` closes its connection with 1009: uWS reads messages up to
 * TRANSPORT_READ_FACTOR times that; a larger one is dropped by uWS with the TCP
 * connection (1006) before anything reads it. Its open sockets are kept in a set
 * (OpenSockets), so that a mass disconnect costs each close the same.
 *
 * A client that stops reading (a phone on a stalled network, or one that never
 * reads) is closed once the node holds MAX_UNSENT_BYTES of unsent frames for it
 * (uWS's `maxBackpressure`). uWS otherwise drops every later frame and keeps the
 * connection: the client went on reading with a gap it could not see, since it
 * reads what it missed only when it joins again; closed, it joins again and does.
 */
export class KismetTransport extends uWebSocketsTransport {
  private readonly maxMessageBytes: number;

  constructor(
    options: TransportOptions & { readonly maxPayloadLength: number },
    private readonly fallback: FallbackOptions,
  ) {
    super({ ...options, maxPayloadLength: options.maxPayloadLength * TRANSPORT_READ_FACTOR, maxBackpressure: MAX_UNSENT_BYTES, closeOnBackpressureLimit: 1 });
    this.maxMessageBytes = options.maxPayloadLength;
    (this as unknown as { clients: OpenSockets<unknown> }).clients = new OpenSockets();
  }

  /** The sockets open on this node, joined to an actor or not. */
  get openSockets(): OpenSockets<unknown> {
    return (this as unknown as { clients: OpenSockets<unknown> }).clients;
  }

  /** True once the port is bound; uWS reports a failed bind only by not handing a socket. */
  get listening(): boolean {
    return Boolean((this as unknown as { _listeningSocket?: unknown })._listeningSocket);
  }

  override bindRouter(router: Router): void {
    this.app.options('/*', (res, req) => {
      const url = req.getUrl();
      const origin = req.getHeader('origin') || undefined;
      // No Origin, no preflight: an OPTIONS health check (HAProxy's default) must not see every node as up.
      if (origin === undefined) {
        writeJson(res, ErrorCode.NOT_FOUND, 'no such route: OPTIONS answers CORS preflights alone');
        return;
      }
      const headers = isMonitorPath(url) ? this.monitorPreflight(origin) : preflightHeaders(this.fallback.corsOrigins, origin);
      res.cork(() => {
        res.writeStatus('204 No Content');
        for (const [key, value] of Object.entries(headers)) res.writeHeader(key, value);
        res.end();
      });
    });

    this.app.any('/*', (res, req) => {
      const url = req.getUrl();
      const method = req.getMethod().toUpperCase();
      const cors = corsHeaders(this.fallback.corsOrigins, req.getHeader('origin') || undefined);
      const head = method === 'HEAD';
      if (!isCanonicalPath(url)) {
        writeJson(res, ErrorCode.INVALID_PATH, 'the path has dot segments, doubled slashes or encoded separators', cors, head);
        return;
      }
      if ((method === 'GET' || method === 'HEAD') && isMonitorPath(url) && router.findRoute(method, url) !== undefined) {
        this.toRouter(router, res, req, method, url);
        return;
      }
      writeJson(res, ErrorCode.NOT_FOUND, 'no such route', cors, head);
    });
  }

  /** The monitor panel's preflight: its own origins, read-only methods. */
  private monitorPreflight(origin: string | undefined): Record<string, string> {
    if (origin === undefined || !this.fallback.monitorOrigins.includes(origin)) return { vary: 'origin' };
    return {
      vary: 'origin',
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, HEAD',
      'access-control-allow-headers': 'authorization',
      'access-control-max-age': '600',
    };
  }

  /**
   * uWS listens on every interface unless told a host (the stock transport never tells
   * it), and shares a port with other processes unless told to listen exclusively.
   */
  override listen(port: number, hostname?: string, _backlog?: number, listeningListener?: () => void): this {
    const callback = (socket: unknown) => {
      (this as unknown as { _listeningSocket: unknown })._listeningSocket = socket || undefined;
      listeningListener?.();
    };
    // The typings lack the forms with options that the native binary takes.
    const listen = this.app.listen.bind(this.app) as unknown as ListenWithOptions;
    if (hostname === undefined) listen(port, LIBUS_LISTEN_EXCLUSIVE_PORT, callback);
    else listen(hostname, port, LIBUS_LISTEN_EXCLUSIVE_PORT, callback);
    return this;
  }

  protected override async onConnection(rawClient: Parameters<uWebSocketsTransport['onConnection']>[0]): Promise<void> {
    const connecting = super.onConnection(rawClient);
    // The wrapper exists once the synchronous part of onConnection has run: messages reach
    // the room through its "message" event, so an oversized one is stopped here.
    const wrapper = (this as unknown as { clientWrappers: WeakMap<object, Wrapper> }).clientWrappers.get(rawClient);
    if (wrapper) {
      const emit = wrapper.emit.bind(wrapper);
      wrapper.emit = (event, ...args) => {
        if (event === 'message' && (args[0] as Buffer).byteLength > this.maxMessageBytes) {
          (rawClient as unknown as RawSocket).end(CLOSE_MESSAGE_TOO_BIG, 'message too big');
          return false;
        }
        return emit(event, ...args);
      };
    }
    try {
      await connecting;
    } finally {
      forgetUpgradeRequest(rawClient as unknown as UpgradeRequest);
    }
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
          // The panel's answers (its API lists rooms and their clients) are the operator's alone: stored nowhere.
          if (!response.headers.has('cache-control')) res.writeHeader('cache-control', NOT_STORED['cache-control']!);
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
