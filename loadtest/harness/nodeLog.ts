import fs from 'node:fs';
import path from 'node:path';
import type { NodeHandle } from './nodeProcess';

/** What a node logs when it fences itself off (server/cluster/clusterLease.ts). */
const FENCE_MESSAGE = 'fencing this node';

const tracked: NodeHandle[] = [];

/**
 * What the measured nodes logged (warnings and errors: the harness runs them at
 * LOG_LEVEL=warn). A node that fenced itself during a run refused joins and dropped
 * its clients for a while, which no latency figure explains on its own, so every
 * report counts the fences; `KISMET_BENCH_LOG_DIR` keeps the whole logs.
 */
export const nodeLog = {
  track(node: NodeHandle): void {
    tracked.push(node);
  },

  report(): { node_fences: number } {
    const fences = tracked.reduce((sum, node) => sum + node.output().split(FENCE_MESSAGE).length - 1, 0);
    return { node_fences: fences };
  },

  /** Writes each node's log to `dir` (node-<port>.log). */
  keep(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    for (const node of tracked) fs.writeFileSync(path.join(dir, `node-${node.port}.log`), node.output());
  },
};
