export interface SilentNodesAtStartDeps {
  /** The other nodes Colyseus counts (its `Stats`). */
  readonly counted: () => Promise<string[]>;
  /** How many connections listen on each node's process channel, in the order given. */
  readonly listeners: (processIds: readonly string[]) => Promise<number[]>;
  /** Counts the node no more: no actor is placed on it. */
  readonly exclude: (processId: string) => Promise<void>;
  /** Removes the node's listings once its lease lapsed (`SilentNodes.sweep`); runs on after the start. */
  readonly sweep: (processId: string) => Promise<boolean>;
  readonly onSweepFailed: (processId: string, error: unknown) => void;
}

/**
 * Before Colyseus's start: the counted nodes nobody listens for (killed without a
 * word, as a crashed node PM2 restarts at once) are counted no more, and their
 * listings go once their leases lapse, after the start. Colyseus's start would ask
 * each of them and wait out its 2 s timeout before the node could be ready: a
 * node started just after another was killed took 3.8 s to be ready, against 1.6 s
 * (loadtest/README.md, "A node started just after a SIGKILL, 2026-12-07").
 * A node still renewing its lease is not swept (`SilentNodes`), and is counted
 * again when it next reports its rooms (at a change of them, or within a minute),
 * as after Colyseus's own check gives up on it. Returns the nodes no longer counted.
 */
export async function forgetSilentNodes(deps: SilentNodesAtStartDeps): Promise<string[]> {
  const counted = await deps.counted();
  const listeners = await deps.listeners(counted);
  const silent = counted.filter((_, i) => listeners[i] === 0);
  for (const processId of silent) {
    await deps.exclude(processId);
    deps.sweep(processId).catch((error: unknown) => deps.onSweepFailed(processId, error));
  }
  return silent;
}
