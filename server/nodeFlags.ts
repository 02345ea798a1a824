/**
 * V8 flags every Kismet node runs with, set where nodes are launched: PM2's
 * `ecosystem.config.js` (`node_args`) and the test and bench launcher
 * (`loadtest/harness/nodeProcess.ts`). None today: `--no-parallel-scavenge` was
 * tried against the chat tail and showed no difference beyond the shared box's
 * noise (loadtest/README.md, "Chat, 2026-12-02 (tail)"); a flag goes here only
 * with figures that show it helps.
 */
export const NODE_FLAGS: readonly string[] = [];

/** The flags for a node launch: KISMET_NODE_FLAGS (space-separated) replaces them for an experiment. */
export function nodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env['KISMET_NODE_FLAGS'];
  return override === undefined ? [...NODE_FLAGS] : override.split(' ').filter(Boolean);
}
