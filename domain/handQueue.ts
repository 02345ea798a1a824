/**
 * The hand-raise queue of a live event, as each person is shown it: a
 * shadow-banned attendee's raised hand is seen by themselves alone.
 */
export function handsSeenBy(queue: readonly string[], viewerId: string | undefined, hiddenIds: ReadonlySet<string>): readonly string[] {
  if (hiddenIds.size === 0) return queue;
  return queue.filter((id) => !hiddenIds.has(id) || id === viewerId);
}

/** Whether a viewer's view of the queue differs between two queues: only then are they told. */
export function handsViewChanged(before: readonly string[], after: readonly string[], viewerId: string | undefined, hiddenIds: ReadonlySet<string>): boolean {
  return handsSeenBy(before, viewerId, hiddenIds).join() !== handsSeenBy(after, viewerId, hiddenIds).join();
}
