import { handsSeenBy, handsViewChanged } from '../../domain/handQueue';
import { LiveEventMessageType } from '../../contracts/liveEvents';

/** What the queue needs of its event: who is connected and whose hand is hidden, and a way to tell them. */
export interface HandAudience {
  viewers(): Iterable<{ readonly userId: string | undefined; send(type: string, message: unknown): void }>;
  hiddenIds(): ReadonlySet<string>;
  broadcast(type: string, message: unknown): void;
}

/** An event's hand-raise queue, first raised first in line, shown to each viewer as domain/handQueue says. */
export class HandRaises {
  private queue: readonly string[] = [];

  constructor(private readonly audience: HandAudience) {}

  seenBy(viewerId: string | undefined): readonly string[] {
    return handsSeenBy(this.queue, viewerId, this.audience.hiddenIds());
  }

  /** Moves to the next queue and tells everyone whose view of it changed. */
  change(next: readonly string[]): void {
    if (next.join() === this.queue.join()) return;
    const before = this.queue;
    this.queue = next;
    const hidden = this.audience.hiddenIds();
    if (hidden.size === 0) {
      this.audience.broadcast(LiveEventMessageType.HANDS, { hands: next });
      return;
    }
    for (const viewer of this.audience.viewers()) {
      if (handsViewChanged(before, next, viewer.userId, hidden)) viewer.send(LiveEventMessageType.HANDS, { hands: handsSeenBy(next, viewer.userId, hidden) });
    }
  }

  get current(): readonly string[] {
    return this.queue;
  }
}
