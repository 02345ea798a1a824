import type { TemplatedApp } from 'uWebSockets.js';
import { AppError, ErrorCode } from '../../domain/errors';
import { isOperatorKey } from '../auth/operatorKey';
import { bearerToken, jsonReply, route, type RouteOptions } from './uwsHttp';

/** What `GET /admin/node` answers: this node's own view of what it serves. */
export interface NodeActorsView {
  readonly nodeId: string;
  /** True while the node is cut off from the cluster and serves nothing. */
  readonly fenced: boolean;
  /** The actors serving on this node (not closing), each with the time its instance started. */
  readonly actors: ReadonlyArray<{ readonly roomId: string; readonly since: number }>;
}

/**
 * `GET /admin/node` (operator key): the actors this node holds now, from its own
 * memory rather than the shared listing, so an operator (or a test) can see what
 * each node really serves while Redis is away.
 */
export function mountNodeActorsRoute(
  app: TemplatedApp,
  deps: {
    readonly adminApiKey: string | undefined;
    readonly nodeId: () => string;
    readonly fenced: () => boolean;
    /** The actors serving on this node now. */
    readonly actors: () => NodeActorsView['actors'];
  },
  options: RouteOptions,
): void {
  route(app, 'get', '/admin/node', (call) => {
    if (!isOperatorKey(bearerToken(call), deps.adminApiKey)) throw new AppError(ErrorCode.FORBIDDEN, 'operator routes need the ADMIN_API_KEY bearer key');
    const view: NodeActorsView = {
      nodeId: deps.nodeId(),
      fenced: deps.fenced(),
      actors: deps.actors(),
    };
    return jsonReply(200, view);
  }, options);
}
