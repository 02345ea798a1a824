import { Room } from '@colyseus/core';
import { KismetCloseCode } from './contracts/common';

/** The longest delay a Node.js timer accepts (about 24.8 days). */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** What every Kismet actor shares: messages only, and how it leaves a draining node. */
export abstract class ActorRoom extends Room {
  /**
   * Kismet's actors talk in messages and keep no synchronised state. Colyseus
   * gives a room without a patch rate a 60 Hz interval that ticks `this.clock`;
   * at tens of thousands of actors per node those ticks cost a good part of a
   * core. A patch rate of the longest timer leaves one idle timer per actor, so
   * actors use plain timers, never `this.clock`.
   */
  protected messageOnly(): void {
    this.setPatchRate(LONGEST_TIMER_MS);
  }

  /** A draining node tells its clients so (4501): they join again and the actor comes back elsewhere. */
  override onBeforeShutdown(): void {
    this.disconnect(KismetCloseCode.NODE_DRAINING).catch(() => undefined);
  }
}
