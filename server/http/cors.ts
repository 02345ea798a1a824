import { matchMaker } from '@colyseus/core';

/**
 * Which pages may call this node from another origin: any (`CORS_ORIGINS=*`, and
 * the development default), or exactly those listed (none: the production default).
 */
export type CorsOrigins = 'any' | readonly string[];

/**
 * The methods and request headers a preflight grants: Colyseus's own defaults
 * (`matchMaker.controller.DEFAULT_CORS_HEADERS`), which cover what `@colyseus/sdk`
 * and Kismet's routes use. Its `*` origin and 30-day cache are not taken: the
 * SDK sends credentials, and the Fetch standard refuses `*` with them.
 */
const COLYSEUS_DEFAULTS = matchMaker.controller.DEFAULT_CORS_HEADERS;
const PREFLIGHT_MAX_AGE_S = 600;

/** Whether a page of `origin` may read this node's answers. `null` (a sandboxed page, a file) only when listed. */
export function corsAllows(origins: CorsOrigins, origin: string | undefined): origin is string {
  if (origin === undefined || origin.length === 0) return false;
  if (origins === 'any') return origin !== 'null';
  return origins.includes(origin);
}

/**
 * The CORS headers of an actual answer. An allowed origin is echoed (never `*`),
 * with credentials allowed, since the SDK sends them; every answer varies by
 * origin, so a shared cache never hands one origin's grant to another.
 */
export function corsHeaders(origins: CorsOrigins, origin: string | undefined): Record<string, string> {
  if (!corsAllows(origins, origin)) return { vary: 'origin' };
  return {
    vary: 'origin',
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'retry-after',
  };
}

/** The headers of a preflight's answer (OPTIONS): the same grant as the actual answer, with what may be sent. */
export function preflightHeaders(origins: CorsOrigins, origin: string | undefined): Record<string, string> {
  const headers = corsHeaders(origins, origin);
  if (!corsAllows(origins, origin)) return headers;
  return {
    ...headers,
    'access-control-allow-methods': COLYSEUS_DEFAULTS['Access-Control-Allow-Methods'],
    'access-control-allow-headers': COLYSEUS_DEFAULTS['Access-Control-Allow-Headers'],
    'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
  };
}
