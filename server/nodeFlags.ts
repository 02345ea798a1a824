/**
 * V8 flags every Kismet node runs with, set where nodes are launched: PM2's
 * `ecosystem.config.js` (`node_args`) and the test and bench launcher
 * (`loadtest/harness/nodeProcess.ts`). Why each, with figures: loadtest/README.md,
 * "Chat, 2026-12-02 (tail)".
 *
 * - `--no-parallel-scavenge`: young-generation collections run on the main thread
 *   alone. On a box whose cores are all busy (nodes, Postgres, Redis), a parallel
 *   scavenge waits for helper threads the scheduler has not run yet, and a pause
 *   of a few milliseconds of work became 50–180 ms of wall time.
 */
export const NODE_FLAGS: readonly string[] = ['--no-parallel-scavenge'];

/** The flags for a node launch: KISMET_NODE_FLAGS (space-separated) replaces them for an experiment. */
export function nodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env['KISMET_NODE_FLAGS'];
  return override === undefined ? [...NODE_FLAGS] : override.split(' ').filter(Boolean);
}
