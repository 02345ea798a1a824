/**
 * The Node and V8 flags every Kismet node runs with, set where nodes are launched: PM2's
 * `ecosystem.config.js` (`node_args`), the test and bench launcher
 * (`loadtest/harness/nodeProcess.ts`) and `npm start` (package.json, which a
 * test holds to this list). A flag goes here only with figures that show it
 * helps (loadtest/README.md).
 *
 * `--heap-growing-percent=60`: after each full collection V8 lets the old
 * generation grow by a factor it picks from its collection and allocation speeds,
 * up to 4, and commits memory for that room. After thousands of joins the
 * committed heap then stays hundreds of MB above what is in use. A fixed factor
 * of 1.6 keeps it closer: held connections cost about 4 KB of RSS less each,
 * for about 3 % more CPU per join on one node and none beyond the noise on three
 * ("Connections: the collector's headroom, 2026-12-03"). `--no-parallel-scavenge`
 * was tried against the chat tail and showed no difference ("Chat, 2026-12-02 (tail)").
 *
 * `--v8-pool-size=1`: one helper thread for V8 (compiling hot code, parallel and
 * concurrent collection) instead of four. A node that has just started compiles
 * whatever traffic it meets first on those threads, and where nodes share the
 * cores (PM2 runs one per core) the four took half a core from the main
 * threads for the first second of a burst. With one, the same work is spread
 * thinner: the first seconds of a chat or a live-event burst were answered
 * sooner, and nothing measured got slower ("Chat and swipes, cold and warm,
 * 2026-12-04").
 */
export const NODE_FLAGS: readonly string[] = ['--heap-growing-percent=60', '--v8-pool-size=1'];

/** The flags for a node launch: KISMET_NODE_FLAGS (space-separated) replaces them for an experiment. */
export function nodeFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env['KISMET_NODE_FLAGS'];
  return override === undefined ? [...NODE_FLAGS] : override.split(' ').filter(Boolean);
}
