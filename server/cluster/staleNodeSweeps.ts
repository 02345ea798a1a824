import { matchMaker } from '@colyseus/core';

/** Whether each node listens on its process channel, in the order given (one question for all). */
export type NodesListening = (processIds: readonly string[]) => Promise<boolean[]>;

/**
 * A node that died (SIGKILL, power) leaves its actors in the shared listing; each
 * live node sweeps every `intervalMs`, so joins stop going to it within about two
 * timeouts. A sweep is Colyseus's health check of the nodes it counts whose process
 * channel is gone, as `healthCheckAllProcesses` does it, found by asking about those
 * nodes' channels alone (`PUBSUB CHANNELS p:*`, Colyseus's way, walks every channel
 * Redis holds, two or more per connected user, while Redis serves nobody else; the
 * cluster's presence answers that pattern this way too, for Colyseus's own check
 * as a node starts).
 */
export function sweepStaleNodes(intervalMs: number, nodesListening: NodesListening, onError: (error: unknown) => void): () => void {
  const timer = setInterval(() => {
    sweepOnce(nodesListening).catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

async function sweepOnce(nodesListening: NodesListening): Promise<void> {
  const others = (await matchMaker.stats.fetchAll()).map((node) => node.processId).filter((id) => id !== matchMaker.processId);
  if (others.length === 0) return;
  const listening = await nodesListening(others);
  await Promise.all(others.filter((_, i) => listening[i] !== true).map((id) => matchMaker.healthCheckProcessId(id)));
}
