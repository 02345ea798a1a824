import { createHash } from 'node:crypto';
import { ACTOR_KEY_OPTION, actorRoomId, isActorKind } from '../../contracts/actors';

/** One live node as the cluster's room counts report it. */
export interface NodeLoad {
  readonly processId: string;
  readonly roomCount: number;
}

/**
 * A node's score for one actor in highest-random-weight hashing: every node ranks every
 * actor differently, so equally loaded nodes split a burst of new actors evenly.
 */
function rendezvousScore(actorId: string, processId: string): bigint {
  return createHash('sha256').update(actorId).update('\0').update(processId).digest().readBigUInt64BE(0);
}

/**
 * The node a new actor goes to: the least loaded, ties broken by the actor's
 * rendezvous score. Without the tie-break every node would settle ties the same way,
 * and a burst of joins, all reading the same room counts, would land on one node.
 */
export function chooseNodeForActor(loads: readonly NodeLoad[], actorId: string): string | undefined {
  let best: { processId: string; roomCount: number; score: bigint } | undefined;
  for (const { processId, roomCount } of loads) {
    if (best && roomCount > best.roomCount) continue;
    const score = rendezvousScore(actorId, processId);
    if (!best || roomCount < best.roomCount || score > best.score) best = { processId, roomCount, score };
  }
  return best?.processId;
}

/** The actor id a create request is for, from its room name and join options. */
export function actorIdOfRequest(roomName: string, options: Readonly<Record<string, unknown>> | undefined): string {
  if (!isActorKind(roomName)) return roomName;
  const key = options?.[ACTOR_KEY_OPTION[roomName]];
  return typeof key === 'string' ? actorRoomId(roomName, key) : roomName;
}

/**
 * This node's estimate of every node's load, between the room counts nodes report
 * (within a fraction of a second, but a new actor takes a moment to be created).
 * Without it a burst arriving at one node is decided against the same figures and
 * lands on one node. A node's first placement from here opens a window: until it
 * closes, the node counts as at least the figure it had then plus every placement
 * made on it from here since. The figure it reports by then holds them, so nothing
 * counts twice; after the window its reported figure alone counts again, which also
 * drops any actors it closed meanwhile.
 */
export class PlacementEstimates {
  private readonly seen = new Map<string, number>();
  private readonly windows = new Map<string, { readonly openedAt: number; readonly base: number; decided: number }>();

  constructor(private readonly windowMs: number) {}

  estimate(loads: readonly NodeLoad[], now: number): NodeLoad[] {
    return loads.map(({ processId, roomCount }) => {
      this.seen.set(processId, roomCount);
      const window = this.openWindow(processId, now);
      return { processId, roomCount: window ? Math.max(roomCount, window.base + window.decided) : roomCount };
    });
  }

  record(processId: string, now: number): void {
    const window = this.openWindow(processId, now);
    if (window) window.decided++;
    else this.windows.set(processId, { openedAt: now, base: this.seen.get(processId) ?? 0, decided: 1 });
  }

  private openWindow(processId: string, now: number) {
    const window = this.windows.get(processId);
    if (window && now - window.openedAt <= this.windowMs) return window;
    this.windows.delete(processId);
    return undefined;
  }
}
