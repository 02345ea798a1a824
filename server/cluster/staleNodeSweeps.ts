import { matchMaker } from '@colyseus/core';

/**
 * A node that died (SIGKILL, power) leaves its actors in the shared listing; each
 * live node sweeps every `intervalMs` (Colyseus's health check of nodes whose
 * process channel is gone), so joins stop going to it within about two timeouts.
 */
export function sweepStaleNodes(intervalMs: number, onError: (error: unknown) => void): () => void {
  const timer = setInterval(() => {
    matchMaker.healthCheckAllProcesses().catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
