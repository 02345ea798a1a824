import type { TemplatedApp } from 'uWebSockets.js';
import type { NodeMetrics } from '../metrics';
import { jsonReply, route, type RouteOptions } from './uwsHttp';

export function mountHealthRoutes(
  app: TemplatedApp,
  metrics: NodeMetrics,
  health: { checks(): Record<string, boolean> },
  options: RouteOptions & { readonly isDraining: () => boolean },
): void {
  route(app, 'get', '/healthz', () => jsonReply(200, { status: 'ok' }), options);

  // Answered from the last probes (twice a second), so it never waits on a dependency that hangs.
  route(app, 'get', '/readyz', () => {
    const checks = health.checks();
    const draining = options.isDraining();
    const ready = !draining && Object.values(checks).every(Boolean);
    return jsonReply(ready ? 200 : 503, { status: ready ? 'ready' : draining ? 'draining' : 'not_ready', checks });
  }, options);

  route(app, 'get', '/metrics', async () => ({
    status: 200,
    body: await metrics.registry.metrics(),
    contentType: metrics.registry.contentType,
  }), options);
}
