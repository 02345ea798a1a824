import { handsSeenBy, handsViewChanged } from '../../domain/handQueue';
import { LiveEventMessageType } from '../../contracts/liveEvents';
import { AtMostEvery, REAL_TIMERS, type Timers } from '../atMostEvery';

/**
 * The queue goes out to the audience at most this often; the changes meanwhile
 * wait for the next time, and only the queue as it is then is sent. Each change
 * reaches every connection, with the whole queue: told at every change, a full
 * event's hundred people raising and lowering their hands at their allowed
 * rate would send hundreds of thousands of messages a second.
 */
export const HANDS_INTERVAL_MS = 250;

/** What the queue needs of its event: whose hand is hidden, from everyone or from one person, and ways to tell everyone and one person. */
export interface HandAudience {
  hiddenIds(): ReadonlySet<string>;
  /** The people a block stands between this one and: neither sees the other's hand. */
  unseenBy(userId: string): ReadonlySet<string>;
  /** To every connection but those of `except`. */
  broadcast(type: string, message: unknown, except: ReadonlySet<string>): void;
  /** To every connection of one person. */
  sendTo(userId: string, type: string, message: unknown): void;
  /** How the person is named to the others (their alias in the event). */
  aliasOf(userId: string): string;
}

/**
 * An event's hand-raise queue, first raised first in line, shown to each viewer
 * as domain/handQueue says. Whoever changes it is answered with it at once (the
 * command's reply), and someone joining gets it as it is; the others hear of it
 * at most every HANDS_INTERVAL_MS.
 */
export class HandRaises {
  private queue: readonly string[] = [];
  /** The queue the audience was last told of. */
  private told: readonly string[] = [];
  private readonly telling: AtMostEvery;

  constructor(
    private readonly audience: HandAudience,
    timers: Timers = REAL_TIMERS,
  ) {
    this.telling = new AtMostEvery(HANDS_INTERVAL_MS, () => this.tell(), timers);
  }

  /** The queue as `viewerId` sees it, by alias. */
  seenBy(viewerId: string): readonly string[] {
    return this.shown(this.viewOf(this.queue, viewerId));
  }

  /** Moves to the next queue; the audience hears of it at its next telling. */
  change(next: readonly string[]): void {
    if (sameQueue(next, this.queue)) return;
    this.queue = next;
    this.telling.request();
  }

  get current(): readonly string[] {
    return this.queue;
  }

  /**
   * A block now stands between the two: each whose last view showed the other's
   * hand is told the queue again without it (the others' views do not change).
   */
  blocked(x: string, y: string): void {
    const hidden = this.audience.hiddenIds();
    for (const [viewer, other] of [[x, y], [y, x]] as const) {
      if (this.told.includes(other) && !hidden.has(other)) this.audience.sendTo(viewer, LiveEventMessageType.HANDS, { hands: this.shown(this.viewOf(this.told, viewer)) });
    }
  }

  /**
   * The person became hidden or shown again (a shadow-ban set or lifted; `hiddenIds` says so
   * already): when the audience was last told a queue with their hand, everyone whose view of
   * it changes is told it again, without their hand or with it in its place. They see it either
   * way, and so do not those a block stands between them and.
   */
  restood(userId: string): void {
    if (!this.told.includes(userId)) return;
    const hidden = this.audience.hiddenIds();
    const unseen = this.audience.unseenBy(userId);
    const apart = new Set([userId, ...hidden]);
    for (const id of this.told) for (const other of this.audience.unseenBy(id)) apart.add(other);
    this.audience.broadcast(LiveEventMessageType.HANDS, { hands: this.shown(handsSeenBy(this.told, undefined, hidden)) }, apart);
    for (const viewer of apart) if (viewer !== userId && !unseen.has(viewer)) this.audience.sendTo(viewer, LiveEventMessageType.HANDS, { hands: this.shown(this.viewOf(this.told, viewer)) });
  }

  /** The event is going: nothing more is told. */
  close(): void {
    this.telling.close();
  }

  /** What leaves the event names people by alias. */
  private shown(userIds: readonly string[]): readonly string[] {
    return userIds.map((userId) => this.audience.aliasOf(userId));
  }

  private viewOf(queue: readonly string[], viewerId: string): readonly string[] {
    return handsSeenBy(queue, viewerId, this.audience.hiddenIds(), this.audience.unseenBy(viewerId));
  }

  /**
   * Tells everyone whose view changed since the last telling (nobody, if it is
   * back as it was). Everyone whose own hand is not hidden, and whom no block
   * stands between and a hand in either queue, sees the same queue, so it is
   * worked out and sent once; only those few (the shadow-banned, and the people a
   * block stands between and a raised hand) see their own.
   */
  private tell(): void {
    const before = this.told;
    const next = this.queue;
    this.told = next;
    if (sameQueue(before, next)) return;
    const hidden = this.audience.hiddenIds();
    const apart = new Set(hidden);
    for (const id of [...before, ...next]) for (const other of this.audience.unseenBy(id)) apart.add(other);
    const shown = handsSeenBy(next, undefined, hidden);
    if (!sameQueue(handsSeenBy(before, undefined, hidden), shown)) this.audience.broadcast(LiveEventMessageType.HANDS, { hands: this.shown(shown) }, apart);
    for (const userId of apart) {
      const unseen = this.audience.unseenBy(userId);
      if (handsViewChanged(before, next, userId, hidden, unseen)) this.audience.sendTo(userId, LiveEventMessageType.HANDS, { hands: this.shown(handsSeenBy(next, userId, hidden, unseen)) });
    }
  }
}

function sameQueue(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
