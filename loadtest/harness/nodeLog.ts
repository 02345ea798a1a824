import fs from 'node:fs';
import path from 'node:path';
import type { NodeHandle } from './nodeProcess';

/** What a node logs when it fences itself off, and when its main thread stalled past that point but its lease held (server/cluster/clusterLease.ts). */
const FENCE_MESSAGE = 'fencing this node';
const STALL_MESSAGE = 'its lease was kept meanwhile';

const tracked: NodeHandle[] = [];

/**
 * What the measured nodes logged (warnings and errors: the harness runs them at
 * LOG_LEVEL=warn). A node that fenced itself during a run refused joins and dropped
 * its clients for a while, which no latency figure explains on its own, so every
 * report counts the fences, and the stalls a node came through without one (with
 * the longest); `KISMET_BENCH_LOG_DIR` keeps the whole logs.
 */
export const nodeLog = {
  track(node: NodeHandle): void {
    tracked.push(node);
  },

  report(): { node_fences: number; node_stalls: number; node_longest_stall_ms: number } {
    const fences = tracked.reduce((sum, node) => sum + node.output().split(FENCE_MESSAGE).length - 1, 0);
    const stalls = tracked.flatMap((node) => node.output().split('\n').filter((line) => line.includes(STALL_MESSAGE)).map(stalledForMs));
    return { node_fences: fences, node_stalls: stalls.length, node_longest_stall_ms: Math.max(0, ...stalls) };
  },

  /** Writes each node's log to `dir` (node-<port>.log). */
  keep(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    for (const node of tracked) fs.writeFileSync(path.join(dir, `node-${node.port}.log`), node.output());
  },
};

/** The stall a log line reports (0 when it cannot be read). */
function stalledForMs(line: string): number {
  try {
    const value = (JSON.parse(line) as { stalledForMs?: unknown }).stalledForMs;
    return typeof value === 'number' ? value : 0;
  } catch {
    return 0;
  }
}
