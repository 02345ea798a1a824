const NOBODY: ReadonlySet<string> = new Set();

/**
 * The hand-raise queue of a live event, as each person is shown it: a
 * shadow-banned attendee's raised hand is seen by themselves alone, and nobody
 * sees the hand of someone a block stands between them and (`unseen`, either way).
 */
export function handsSeenBy(queue: readonly string[], viewerId: string | undefined, hiddenIds: ReadonlySet<string>, unseen: ReadonlySet<string> = NOBODY): readonly string[] {
  if (hiddenIds.size === 0 && unseen.size === 0) return queue;
  return queue.filter((id) => (!hiddenIds.has(id) || id === viewerId) && !unseen.has(id));
}

/** Whether a viewer's view of the queue differs between two queues: only then are they told. */
export function handsViewChanged(before: readonly string[], after: readonly string[], viewerId: string | undefined, hiddenIds: ReadonlySet<string>, unseen: ReadonlySet<string> = NOBODY): boolean {
  return handsSeenBy(before, viewerId, hiddenIds, unseen).join() !== handsSeenBy(after, viewerId, hiddenIds, unseen).join();
}
