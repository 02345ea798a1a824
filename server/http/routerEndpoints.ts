import { basicAuth, createEndpoint, createRouter, type Router } from '@colyseus/core';
import { monitor } from '@colyseus/monitor';
import { ErrorCode, HTTP_STATUS_BY_CODE } from '../../domain/errors';
import { isOperatorKey } from '../auth/operatorKey';

/** The user name of the operator login; the password is ADMIN_API_KEY. */
export const OPERATOR_USER = 'admin';

/**
 * What answers through Colyseus's router, behind Kismet's own uWS routes: the
 * monitor panel at `/monitor`, and a NOT_FOUND for every other path (without it
 * an unknown path would never be answered). The panel can inspect and call into
 * any actor, so it sits behind HTTP basic auth (`admin` and ADMIN_API_KEY), and
 * without a key it is not mounted at all.
 */
export function routerEndpoints(adminApiKey: string | undefined): Router {
  // Every method named: the router's table takes them one by one ("*" would be a method of its own).
  const notFoundAt = (path: string) =>
    createEndpoint(path, { method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] }, async () =>
      new Response(JSON.stringify({ code: ErrorCode.NOT_FOUND, message: 'no such route' }), {
        status: HTTP_STATUS_BY_CODE[ErrorCode.NOT_FOUND],
        headers: { 'content-type': 'application/json' },
      }),
    );
  const fallback = { notFoundRoot: notFoundAt('/'), notFound: notFoundAt('/**:path') };
  if (adminApiKey === undefined) return createRouter(fallback);
  const operatorsOnly = basicAuth({
    realm: 'Kismet operators',
    validate: (user, password) => user === OPERATOR_USER && isOperatorKey(password, adminApiKey),
  });
  return createRouter({ ...monitor({ use: [operatorsOnly] }), ...fallback });
}
