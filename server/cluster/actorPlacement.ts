import { createHash } from 'node:crypto';
import { ACTOR_KEY_OPTION, actorRoomId, isActorKind } from '../../rooms/actorIdentity';

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
 * (each at most once a second). Without it a burst arriving at one node is decided
 * against the same stale figures; with it each decision counts the ones before it,
 * and nothing is counted twice:
 * - this node's own count is read live, but rooms it decided to create on itself
 *   are counted only once created; so its decisions in the current window count
 *   until the live figure has caught up with them;
 * - another node's decisions from here count until that node reports a new figure,
 *   which then holds them (or soon will).
 */
export class PlacementEstimates {
  private window = { startedAt: Number.NEGATIVE_INFINITY, base: 0, decided: 0 };
  private readonly reported = new Map<string, number>();
  private readonly sinceReport = new Map<string, number>();

  constructor(
    private readonly selfId: string,
    private readonly windowMs: number,
  ) {}

  estimate(loads: readonly NodeLoad[], now: number): NodeLoad[] {
    return loads.map(({ processId, roomCount }) => {
      if (processId === this.selfId) {
        if (now - this.window.startedAt > this.windowMs) this.window = { startedAt: now, base: roomCount, decided: 0 };
        return { processId, roomCount: Math.max(roomCount, this.window.base + this.window.decided) };
      }
      if (this.reported.get(processId) !== roomCount) {
        this.reported.set(processId, roomCount);
        this.sinceReport.set(processId, 0);
      }
      return { processId, roomCount: roomCount + (this.sinceReport.get(processId) ?? 0) };
    });
  }

  record(processId: string): void {
    if (processId === this.selfId) this.window.decided++;
    else this.sinceReport.set(processId, (this.sinceReport.get(processId) ?? 0) + 1);
  }
}
