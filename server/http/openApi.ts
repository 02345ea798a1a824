import type { TemplatedApp } from 'uWebSockets.js';
import { z } from 'zod';
import { ErrorBody, HTTP_ROUTES, type HttpRouteSpec } from '../../contracts/httpRoutes';
import { mountedRoutes, route, type RouteOptions } from './uwsHttp';

const OPENAPI_VERSION = '3.1.0';
/** The version of the HTTP API this document describes. */
export const API_VERSION = '1.0.0';

const SECURITY: Readonly<Record<HttpRouteSpec['auth'], ReadonlyArray<Record<string, string[]>>>> = {
  none: [],
  bearer: [{ accessToken: [] }],
  operator: [{ operatorKey: [] }],
  livekit: [{ liveKitWebhook: [] }],
};

/** A zod schema as the JSON Schema (2020-12, OpenAPI 3.1's dialect) of a body sent (`input`) or answered (`output`). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

const openApiPath = (pattern: string) => pattern.replace(/:([A-Za-z]+)/g, '{$1}');
const operationId = (spec: HttpRouteSpec) =>
  `${spec.method === 'del' ? 'delete' : spec.method}${spec.path.split('/').filter(Boolean).map((s) => s.replace(/^:/, 'by-')).map((s) => s.replace(/(^|[-._])([a-z])/g, (_m, _p, c: string) => c.toUpperCase())).join('')}`;

function operation(spec: HttpRouteSpec): Record<string, unknown> {
  const parameters = [...spec.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const responses: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(spec.answers)) {
    responses[status] = { description: spec.summary, content: { [spec.contentType ?? 'application/json']: { schema: jsonSchema(schema, 'output') } } };
  }
  responses['default'] = { description: 'a coded refusal', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  return {
    operationId: operationId(spec),
    summary: spec.summary,
    security: SECURITY[spec.auth],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(spec.body ? { requestBody: { required: true, content: { [spec.bodyType ?? 'application/json']: { schema: jsonSchema(spec.body, 'input') } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of every HTTP route, generated from the zod schemas in contracts/httpRoutes.ts. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of HTTP_ROUTES) {
    const at = (paths[openApiPath(spec.path)] ??= {});
    at[spec.method === 'del' ? 'delete' : spec.method] = operation(spec);
  }
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Kismet',
      version: API_VERSION,
      description: 'HTTP routes of a Kismet node. Actors (WebSocket) are described in PROTOCOL.md.',
    },
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
      securitySchemes: {
        accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'an access token from /auth/login' },
        operatorKey: { type: 'http', scheme: 'bearer', description: 'ADMIN_API_KEY' },
        liveKitWebhook: { type: 'apiKey', in: 'header', name: 'Authorization', description: "LiveKit's JWT over the body's sha256" },
      },
    },
  };
}

/**
 * Serves the document at `GET /openapi.json`, once every other route is mounted,
 * and refuses to start a node whose routes and document disagree: a route added
 * without its schemas, or one documented but not served.
 */
export function mountOpenApiRoute(app: TemplatedApp, options: RouteOptions): void {
  const document = JSON.stringify(openApiDocument());
  route(app, 'get', '/openapi.json', () => ({ status: 200, body: document, contentType: 'application/json' }), options);
  const documented = new Set(HTTP_ROUTES.map((spec) => `${spec.method} ${spec.path}`));
  const mounted = mountedRoutes(app);
  const undocumented = [...mounted].filter((r) => !documented.has(r));
  const unserved = [...documented].filter((r) => !mounted.has(r));
  if (undocumented.length > 0 || unserved.length > 0) {
    throw new Error(`the HTTP routes and contracts/httpRoutes.ts disagree: undocumented ${undocumented.join(', ') || 'none'}; not served ${unserved.join(', ') || 'none'}`);
  }
}
