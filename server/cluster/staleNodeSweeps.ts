import { matchMaker } from '@colyseus/core';

/**
 * A node that died (SIGKILL, power) leaves its actors in the shared listing; each
 * live node sweeps every `intervalMs`, so joins stop going to it within about two
 * timeouts. A sweep is Colyseus's health check of the nodes it counts whose process
 * channel is gone (`healthCheckAllProcesses`, as at a node's start). It finds
 * those nodes through the cluster's presence, which asks Redis about their
 * channels alone (`BatchedRedisPresence.channels`): Colyseus's own presence walks
 * every channel Redis holds, two or more per connected user, while Redis serves
 * nobody else, on every node, every period.
 */
export function sweepStaleNodes(intervalMs: number, onError: (error: unknown) => void): () => void {
  const timer = setInterval(() => {
    matchMaker.healthCheckAllProcesses().catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
