import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { z } from 'zod';
import { AppError, ErrorCode, HTTP_STATUS_BY_CODE } from '../../domain/errors';
import { PAYLOAD_FAULT_MESSAGES, payloadFault } from '../../contracts/common';
import { withinDeadline } from '../../services/commandDeadline';
import { clientAddress } from './clientAddress';
import { corsHeaders, type CorsOrigins } from './cors';
import { trustedProxies } from './trustedProxies';

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden',
  404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type',
  429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** The caching of an API answer: none, in the browser or on the way (RFC 9111 §5.2.2.5). */
export const NOT_STORED: Readonly<Record<string, string>> = { 'cache-control': 'no-store' };

/** What a route handler sees: the request's parts, copied out before uWS recycles them. */
export interface HttpCall {
  readonly method: string;
  readonly url: string;
  /** The query string, without its `?` (empty when there is none). */
  readonly query: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly remoteAddress: string;
  /** The values of the pattern's `:name` segments, in order. */
  readonly params: readonly string[];
  readonly body: Buffer;
  /** True once the caller closed the connection: nobody will read the answer. */
  readonly callerGone: () => boolean;
}

export interface HttpReply {
  readonly status: number;
  readonly body: string | Buffer;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Ends the answer to a HEAD: the headers its GET would have, the length of the body
 * that GET would carry, no body. Written by hand: this uWS's `endWithoutBody(length)`
 * leaves the response open, waiting for that many bytes.
 */
export function endHead(res: HttpResponse, bodyBytes: number): void {
  res.writeHeader('content-length', String(bodyBytes));
  res.endWithoutBody();
}

export type HttpHandler = (call: HttpCall) => Promise<HttpReply> | HttpReply;

export function jsonReply(status: number, body: unknown): HttpReply {
  return { status, body: JSON.stringify(body), contentType: 'application/json' };
}

export function errorReply(code: ErrorCode, message: string, retryAfterMs?: number): HttpReply {
  if (retryAfterMs === undefined) return jsonReply(HTTP_STATUS_BY_CODE[code], { code, message });
  return {
    ...jsonReply(HTTP_STATUS_BY_CODE[code], { code, message, retryAfterMs }),
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  };
}

/** Parses a JSON body; answers INVALID_BODY for anything that is not a JSON object. */
export function parseJsonObject(call: HttpCall): unknown {
  const type = call.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/json')) {
    throw new AppError(ErrorCode.INVALID_BODY, 'the body must be JSON (content-type: application/json)');
  }
  let body: unknown;
  try {
    body = JSON.parse(call.body.toString('utf8'));
  } catch {
    throw new AppError(ErrorCode.INVALID_BODY, 'the body is not valid JSON');
  }
  const fault = payloadFault(body);
  if (fault) throw new AppError(ErrorCode.INVALID_BODY, PAYLOAD_FAULT_MESSAGES[fault]);
  return body;
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // malformed escapes: left as sent, and refused by the route's own validation
  }
}

/** Parses a JSON body against a schema; answers INVALID_BODY naming each bad field. */
export function parseBody<S extends z.ZodType>(schema: S, call: HttpCall): z.infer<S> {
  const parsed = schema.safeParse(parseJsonObject(call));
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new AppError(ErrorCode.INVALID_BODY, detail);
  }
  return parsed.data;
}

/** Parses the query string against a schema (each key once); answers INVALID_BODY naming each bad field. */
export function parseQuery<S extends z.ZodType>(schema: S, call: HttpCall): z.infer<S> {
  const params = new URLSearchParams(call.query);
  const fields: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key in fields) throw new AppError(ErrorCode.INVALID_BODY, `${key}: given more than once`);
    fields[key] = value;
  }
  const parsed = schema.safeParse(fields);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ');
    throw new AppError(ErrorCode.INVALID_BODY, detail);
  }
  return parsed.data;
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(call: HttpCall): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(call.headers.get('authorization') ?? '');
  return match?.[1];
}

export interface RouteOptions {
  readonly maxBodyBytes: number;
  readonly onError: (error: unknown) => void;
  /** Address ranges of the proxies in front, whose X-Forwarded-For entries are believed (config TRUSTED_PROXIES); none when left out. */
  readonly trustedProxies?: readonly string[];
  /** The longest a route may take (DEPENDENCY_TIMEOUT_MS): past it, the answer is 503 UNAVAILABLE, whatever is still waiting. */
  readonly timeoutMs?: number;
  /** Which pages of other origins may read the answers (config CORS_ORIGINS); none when left out. */
  readonly cors?: CorsOrigins;
  /** Told of every answer: `GET /cards/:id`, its status, its time in seconds (metrics). */
  readonly answered?: (route: string, status: number, seconds: number) => void;
}

/** A node's route options from its settings: failures logged, answers counted. */
export function nodeRouteOptions(
  http: { readonly maxBodyBytes: number; readonly trustedProxies: readonly string[]; readonly corsOrigins: CorsOrigins },
  timeoutMs: number,
  logger: { error(fields: object, message: string): void },
  answered: RouteOptions['answered'],
): RouteOptions {
  const onError = (error: unknown) => logger.error({ err: error }, 'http route failed');
  return { maxBodyBytes: http.maxBodyBytes, trustedProxies: http.trustedProxies, cors: http.corsOrigins, timeoutMs, onError, answered };
}

/** The routes mounted on each app (`<method> <pattern>`), for the OpenAPI document's check. */
const mounted = new WeakMap<TemplatedApp, Set<string>>();

export function mountedRoutes(app: TemplatedApp): ReadonlySet<string> {
  return mounted.get(app) ?? new Set();
}

/**
 * Routes straight on the uWS app, ahead of Colyseus's catch-all router (uWS picks
 * the most specific route), so bodies are capped while they stream in rather than
 * after they have been buffered whole. A GET route answers HEAD too.
 */
export function route(
  app: TemplatedApp,
  method: 'get' | 'post' | 'put' | 'patch' | 'del',
  pattern: string,
  handler: HttpHandler,
  options: RouteOptions,
): void {
  if (!mounted.has(app)) mounted.set(app, new Set());
  mounted.get(app)!.add(`${method} ${pattern}`);
  const isTrustedProxy = trustedProxies(options.trustedProxies ?? []);
  const paramCount = pattern.split('/').filter((segment) => segment.startsWith(':')).length;
  const routeName = `${method === 'del' ? 'DELETE' : method.toUpperCase()} ${pattern}`;
  const serve = (res: HttpResponse, req: HttpRequest) => {
    const arrived = performance.now();
    let aborted = false;
    let callerGone = false;
    res.onAborted(() => {
      aborted = true;
      callerGone = true;
    });
    const headers = new Map<string, string>();
    // A header sent on several lines is one list (RFC 9110 §5.3): each proxy may add its own X-Forwarded-For line.
    req.forEach((key, value) => headers.set(key, key === 'x-forwarded-for' && headers.has(key) ? `${headers.get(key)!}, ${value}` : value));
    const params = Array.from({ length: paramCount }, (_, i) => decodeParam(req.getParameter(i) ?? ''));
    const partial = {
      params,
      method: req.getMethod().toUpperCase(),
      url: req.getUrl(),
      query: req.getQuery() ?? '',
      headers,
      remoteAddress: clientAddress(Buffer.from(res.getRemoteAddressAsText()).toString(), headers.get('x-forwarded-for'), isTrustedProxy),
    };

    const respond = (reply: HttpReply) => {
      if (aborted) return;
      aborted = true; // one reply per request, even if more body chunks arrive
      res.cork(() => {
        res.writeStatus(`${reply.status} ${STATUS_TEXT[reply.status] ?? ''}`.trim());
        res.writeHeader('content-type', reply.contentType ?? 'text/plain; charset=utf-8');
        const cors = corsHeaders(options.cors ?? [], headers.get('origin'));
        // An answer is stored nowhere unless its route says otherwise (the web app's files): a browser
        // kept an account's answers (its cards, threads, export) on disk, readable after it signed out.
        for (const [key, value] of Object.entries({ ...cors, ...NOT_STORED, ...reply.headers })) res.writeHeader(key, value);
        // A HEAD is answered as its GET, without the body (RFC 9110 §9.3.2).
        if (partial.method === 'HEAD') endHead(res, Buffer.byteLength(reply.body));
        else res.end(reply.body);
      });
      options.answered?.(routeName, reply.status, (performance.now() - arrived) / 1000);
    };

    const run = (body: Buffer) => {
      Promise.resolve()
        .then(() => {
          const answer = Promise.resolve(handler({ ...partial, body, callerGone: () => callerGone }));
          return options.timeoutMs === undefined ? answer : withinDeadline(answer, options.timeoutMs, `${partial.method} ${partial.url}`);
        })
        .then(respond, (error: unknown) => {
          if (error instanceof AppError) {
            respond(errorReply(error.code, error.message, error.retryAfterMs));
          } else {
            options.onError(error);
            respond(errorReply(ErrorCode.INTERNAL, 'internal error'));
          }
        });
    };

    // A DELETE reads a body only when it sends one (`DELETE /me` takes the password).
    const sendsBody = headers.has('content-length') || headers.has('transfer-encoding');
    if (method === 'get' || (method === 'del' && !sendsBody)) {
      run(Buffer.alloc(0));
      return;
    }
    const declared = Number(headers.get('content-length') ?? '0');
    if (declared > options.maxBodyBytes) {
      respond(errorReply(ErrorCode.PAYLOAD_TOO_LARGE, `the body may not exceed ${options.maxBodyBytes} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.onData((chunk, isLast) => {
      if (aborted) return;
      size += chunk.byteLength;
      if (size > options.maxBodyBytes) {
        respond(errorReply(ErrorCode.PAYLOAD_TOO_LARGE, `the body may not exceed ${options.maxBodyBytes} bytes`));
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0))); // uWS reuses the chunk's memory after this call
      if (isLast) run(Buffer.concat(chunks));
    });
  };
  app[method](pattern, serve);
  // Load balancers' health checks and link checkers ask with HEAD.
  if (method === 'get') app.head(pattern, serve);
}
