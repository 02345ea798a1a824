import type { UserEventMessage } from '../contracts/session';

/** How long acknowledgements wait to be sent together. */
export const DEFAULT_ACK_DELAY_MS = 250;

/**
 * A device's view of its user's event stream: each stored event is delivered
 * once, in order, however often the session resends it (after a rejoin it
 * resends everything after the last acknowledged `seq`), and the highest
 * delivered `seq` is acknowledged shortly after, in one `events.ack`.
 * Ephemeral events (`seq: null`) are delivered as they come.
 */
export class EventStream {
  private delivered: number;
  private acked: number;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly deliver: (event: UserEventMessage) => void,
    private readonly acknowledge: (seq: number) => Promise<unknown>,
    private readonly ackDelayMs = DEFAULT_ACK_DELAY_MS,
    afterSeq = 0,
  ) {
    this.delivered = afterSeq;
    this.acked = afterSeq;
  }

  /** The highest `seq` delivered so far. */
  get lastSeq(): number {
    return this.delivered;
  }

  /** The highest `seq` the server has confirmed as acknowledged. */
  get ackedSeq(): number {
    return this.acked;
  }

  /** Takes one `event` message off the wire; true when it was new. */
  receive(event: UserEventMessage): boolean {
    if (event.seq !== null) {
      if (event.seq <= this.delivered) return false;
      this.delivered = event.seq;
      this.scheduleAck();
    }
    this.deliver(event);
    return true;
  }

  /** Acknowledges what was delivered now (before leaving, say). */
  async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const seq = this.delivered;
    if (seq <= this.acked) return;
    await this.acknowledge(seq);
    this.acked = Math.max(this.acked, seq);
  }

  /** After a rejoin: the session resends from the last acknowledged seq, so acknowledge again what was delivered. */
  rejoined(): void {
    if (this.delivered > this.acked) this.scheduleAck();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private scheduleAck(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // An ack lost to a dropped connection is sent again after the rejoin (rejoined()).
      this.flush().catch(() => undefined);
    }, this.ackDelayMs);
  }
}
