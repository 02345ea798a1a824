import type { TemplatedApp } from 'uWebSockets.js';
import type { NodeMetrics } from '../metrics';
import { jsonReply, route, type RouteOptions } from './uwsHttp';

export interface ReadinessProbe {
  readonly name: string;
  check(): Promise<boolean>;
}

export function mountHealthRoutes(
  app: TemplatedApp,
  metrics: NodeMetrics,
  probes: readonly ReadinessProbe[],
  options: RouteOptions & { readonly isDraining: () => boolean },
): void {
  route(app, 'get', '/healthz', () => jsonReply(200, { status: 'ok' }), options);

  route(app, 'get', '/readyz', async () => {
    const results = await Promise.all(probes.map(async (p) => [p.name, await p.check().catch(() => false)] as const));
    const checks = Object.fromEntries(results);
    const draining = options.isDraining();
    const ready = !draining && results.every(([, ok]) => ok);
    return jsonReply(ready ? 200 : 503, { status: ready ? 'ready' : draining ? 'draining' : 'not_ready', checks });
  }, options);

  route(app, 'get', '/metrics', async () => ({
    status: 200,
    body: await metrics.registry.metrics(),
    contentType: metrics.registry.contentType,
  }), options);
}
