import { sampleValue } from './metricsText';

/** How often each node is asked while its clients go. */
const PROBE_INTERVAL_MS = 100;

export interface TeardownFigures {
  /** From the clients' closing until every node counted no connection. */
  readonly allLeftS: number;
  /** Until every node counted no session actor either (they linger ACTOR_LINGER_MS after their last device). */
  readonly allDisposedS: number;
  /** The longest any node took to answer /healthz meanwhile: how long its event loop stalled, at least. */
  readonly longestAnswerMs: number;
}

/**
 * Watches nodes while their clients leave all at once (a load balancer restart does
 * the same): each node is asked every 100 ms, one question at a time, for /healthz
 * and then /metrics, until no node holds a connection or a session actor, or
 * `timeoutMs` passes (then the figures are -1).
 */
export async function watchTeardown(nodes: ReadonlyArray<{ readonly url: string }>, timeoutMs: number): Promise<TeardownFigures> {
  const started = performance.now();
  let longestAnswerMs = 0;
  let allLeftS = -1;
  let allDisposedS = -1;
  const states = nodes.map(() => ({ connections: Number.NaN, sessions: Number.NaN }));
  const probe = async (url: string, index: number): Promise<void> => {
    while (performance.now() - started < timeoutMs && allDisposedS < 0) {
      const asked = performance.now();
      try {
        await fetch(`${url}/healthz`);
        longestAnswerMs = Math.max(longestAnswerMs, performance.now() - asked);
        const text = await (await fetch(`${url}/metrics`)).text();
        states[index] = { connections: sampleValue(text, 'kismet_connections'), sessions: sampleValue(text, 'kismet_rooms', 'kind="session"') };
      } catch {
        // A node that does not answer counts as still busy; its next answer tells.
      }
      const elapsedS = (performance.now() - started) / 1000;
      if (allLeftS < 0 && states.every((s) => s.connections === 0)) allLeftS = elapsedS;
      if (allLeftS >= 0 && states.every((s) => s.sessions === 0)) allDisposedS = elapsedS;
      await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
    }
  };
  await Promise.all(nodes.map((node, i) => probe(node.url, i)));
  return { allLeftS: round1(allLeftS), allDisposedS: round1(allDisposedS), longestAnswerMs: Math.round(longestAnswerMs) };
}

function round1(value: number): number {
  return value < 0 ? value : Math.round(value * 10) / 10;
}
