import type { Room } from '@colyseus/core';

/** The longest delay a Node.js timer accepts (about 24.8 days). */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * Kismet's actors talk in messages and keep no synchronised state. Colyseus
 * gives a room without a patch rate a 60 Hz interval that ticks `this.clock`;
 * at tens of thousands of actors per node those ticks cost a good part of a
 * core. A patch rate of the longest timer leaves one idle timer per actor, so
 * such actors use plain timers, never `this.clock`.
 */
export function makeMessageOnly(room: Room): void {
  room.setPatchRate(LONGEST_TIMER_MS);
}
