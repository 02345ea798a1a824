import type { StoredUserEvent } from '../../db/repositories/eventRepository';
import { AppError, ErrorCode } from '../../domain/errors';

/** Stored events are read back in pages of this many. */
export const FEED_PAGE_SIZE = 200;

export interface FeedSource {
  /** Stored events after `afterSeq`, in order, at most `limit`. */
  fetchAfter(afterSeq: number, limit: number): Promise<readonly StoredUserEvent[]>;
}

/**
 * Delivers one device its user's stored events in sequence order, each once:
 * first what storage holds after the device's starting point, then live events
 * as they are published. Live events that arrive while storage is being read
 * wait in a buffer; a live event that skips ahead (a publish overtook another)
 * sends the feed back to storage, which holds every event below a stored one.
 * A read refused as UNAVAILABLE (the database restarting) is read again after
 * the refusal's `retryAfterMs`, live events waiting meanwhile: the device keeps
 * its connection; any other failure goes to `onError`.
 */
export class DeviceEventFeed {
  private deliveredSeq = 0;
  private started = false;
  private reading = false;
  private closed = false;
  private buffer: StoredUserEvent[] = [];

  constructor(
    private readonly source: FeedSource,
    private readonly send: (event: StoredUserEvent) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The highest sequence this device has been sent. */
  get delivered(): number {
    return this.deliveredSeq;
  }

  /**
   * Starts delivery after `afterSeq`. Events offered before this are held, not lost.
   * `storedThrough` is the user's last stored sequence as read after this feed was
   * made: when the device has everything up to it, storage holds nothing for it and
   * anything newer was offered here, so a reconnecting device costs no read.
   */
  start(afterSeq: number, storedThrough = Number.POSITIVE_INFINITY): void {
    this.deliveredSeq = afterSeq;
    this.started = true;
    if (afterSeq < storedThrough || this.deliverBuffered() === 'gap') this.readStorage();
  }

  offer(event: StoredUserEvent): void {
    if (this.closed) return;
    if (!this.started || this.reading) {
      this.buffer.push(event);
      return;
    }
    if (event.seq <= this.deliveredSeq) return;
    if (event.seq === this.deliveredSeq + 1) {
      this.deliver(event);
      return;
    }
    this.buffer.push(event);
    this.readStorage();
  }

  /** Reads storage again for what was stored but never offered (its publish was lost while Redis was away). */
  catchUp(): void {
    if (this.started) this.readStorage();
  }

  close(): void {
    this.closed = true;
    this.buffer = [];
  }

  private deliver(event: StoredUserEvent): void {
    this.deliveredSeq = event.seq;
    this.send(event);
  }

  private readStorage(): void {
    if (this.reading || this.closed) return;
    this.reading = true;
    void this.drainStorage().then(
      () => {
        this.reading = false;
      },
      (error: unknown) => {
        if (error instanceof AppError && error.code === ErrorCode.UNAVAILABLE && !this.closed) {
          // Still `reading`: what is offered meanwhile waits in the buffer, in order.
          setTimeout(() => {
            this.reading = false;
            this.readStorage();
          }, error.retryAfterMs ?? 1_000);
          return;
        }
        this.reading = false;
        this.onError(error);
      },
    );
  }

  private async drainStorage(): Promise<void> {
    for (;;) {
      const page = await this.source.fetchAfter(this.deliveredSeq, FEED_PAGE_SIZE);
      if (this.closed) return;
      for (const event of page) if (event.seq > this.deliveredSeq) this.deliver(event);
      if (page.length === FEED_PAGE_SIZE) continue;
      // Storage is read to its end; whatever was buffered meanwhile continues it, unless it skips ahead.
      if (this.deliverBuffered() === 'done') return;
    }
  }

  /** Delivers the buffered events that continue the sequence; a gap means storage holds what is missing. */
  private deliverBuffered(): 'done' | 'gap' {
    const buffered = this.buffer.sort((x, y) => x.seq - y.seq);
    this.buffer = [];
    for (const event of buffered) {
      if (event.seq <= this.deliveredSeq) continue;
      if (event.seq !== this.deliveredSeq + 1) return 'gap';
      this.deliver(event);
    }
    return 'done';
  }
}
