import { basicAuth, createRouter, type Router } from '@colyseus/core';
import { monitor } from '@colyseus/monitor';
import { isOperatorKey } from '../auth/operatorKey';

/** The user name of the operator login; the password is ADMIN_API_KEY. */
export const OPERATOR_USER = 'admin';

/**
 * What answers through Colyseus's router (KismetTransport sends it the
 * monitor panel's GETs and nothing else): the panel at `/monitor`, behind HTTP
 * basic auth (`admin` and ADMIN_API_KEY), and not mounted at all without a key.
 * The panel's "call a method of a room" endpoint is left out: it changes
 * actors through a plain GET, which any page the operator visits could trigger.
 */
export function routerEndpoints(adminApiKey: string | undefined): Router {
  if (adminApiKey === undefined) return createRouter({});
  const operatorsOnly = basicAuth({
    realm: 'Kismet operators',
    validate: (user, password) => user === OPERATOR_USER && isOperatorKey(password, adminApiKey),
  });
  const { 'monitor-api-room-call': _stateChangingGet, ...panel } = monitor({ use: [operatorsOnly] });
  return createRouter(panel);
}
