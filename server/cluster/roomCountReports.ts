import { matchMaker } from '@colyseus/core';

/**
 * Writes this node's room count to the cluster's shared figures within `intervalMs`
 * of a change. Colyseus alone writes it at most once a second and, after a burst,
 * only a second after the last change: other nodes placing new actors would read
 * figures too old to place them evenly.
 */
export function reportRoomCounts(intervalMs: number, onError: (error: unknown) => void): () => void {
  let reported = '';
  const timer = setInterval(() => {
    const { roomCount, ccu } = matchMaker.stats.local;
    const figures = `${roomCount},${ccu}`;
    if (figures === reported) return;
    reported = figures;
    Promise.resolve(matchMaker.stats.persist(true)).catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
