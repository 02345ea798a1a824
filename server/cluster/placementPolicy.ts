import { matchMaker } from '@colyseus/core';
import { unavailable } from '../../domain/errors';
import { PlacementEstimates, actorIdOfRequest, chooseNodeForActor, type NodeLoad } from './actorPlacement';

type Placement = (roomName: string, options: Record<string, unknown>) => Promise<string>;

/** How long this node's placements count on top of the room counts nodes report (creating an actor takes a moment). */
const PLACEMENT_WINDOW_MS = 2000;

/**
 * How long the room counts read from Redis serve later creations: a burst of
 * creations reads them once instead of once each, and this node's own
 * placements since count through its estimates.
 */
const REPORTS_REUSE_MS = 250;

/** The nodes' reported room counts, read at most once per REPORTS_REUSE_MS (a failed read is not kept). */
function recentReports(): () => Promise<NodeLoad[]> {
  let last: { readonly at: number; readonly reports: Promise<NodeLoad[]> } | undefined;
  return () => {
    const now = Date.now();
    if (last && now - last.at <= REPORTS_REUSE_MS) return last.reports;
    const read = { at: now, reports: matchMaker.stats.fetchAll() };
    last = read;
    read.reports.catch(() => {
      if (last === read) last = undefined;
    });
    return read.reports;
  };
}

/** New actors go to the least loaded live node, a burst spread as it is decided. */
function balancedPlacement(): Placement {
  const estimates = new PlacementEstimates(PLACEMENT_WINDOW_MS);
  const reports = recentReports();
  return async (roomName, options) => {
    const reported = await reports();
    const now = Date.now();
    const chosen = chooseNodeForActor(estimates.estimate(reported, now), actorIdOfRequest(roomName, options)) ?? matchMaker.processId;
    estimates.record(chosen, now);
    return chosen;
  };
}

/**
 * Where a new actor goes (`ACTOR_PLACEMENT`: `balanced`, or `local` to the node that
 * took the join), refused (UNAVAILABLE) while this node may not create actors: it
 * is fenced off, or rejoining after Redis dropped. Every creation a join or a
 * session asks for passes here, on the node that asks.
 */
export function refuseCreationWhile(refusal: () => string | undefined, policy: 'balanced' | 'local'): Placement {
  const place: Placement = policy === 'local' ? async () => matchMaker.processId : balancedPlacement();
  return (roomName, options) => {
    const why = refusal();
    return why === undefined ? place(roomName, options) : Promise.reject(unavailable(why));
  };
}
