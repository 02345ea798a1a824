import { randomUUID } from 'node:crypto';

/** A published message whose sender waits to hear that each receiving node has handed it to its listeners. */
export interface ReceiptRequest {
  readonly $receipt: { readonly to: string; readonly id: number };
  readonly message: unknown;
}

export function isReceiptRequest(data: unknown): data is ReceiptRequest {
  return typeof data === 'object' && data !== null && '$receipt' in data && 'message' in data;
}

interface Waiting {
  /** Receipts heard so far: they can come before Redis's count of receivers does. */
  heard: number;
  /** How many nodes received the message, once Redis said. */
  receivers: number | undefined;
  readonly done: () => void;
}

/**
 * The sending side of a publish that waits for the change it carries to be in
 * effect everywhere it went: every node that received the message (Redis counts
 * them in its answer to PUBLISH) sends a receipt once its listeners have run.
 * A node that does not answer within `waitMs` (stalled, or gone without Redis
 * noticing yet) is not waited for longer.
 */
export class AppliedReceipts {
  /** This node's channel for receipts. */
  readonly channel = `kismet:receipts:${randomUUID()}`;
  private next = 0;
  private readonly waiting = new Map<number, Waiting>();

  constructor(readonly waitMs: number) {}

  /**
   * Wraps `message` in a receipt request, publishes it with `publish` (which
   * answers how many nodes received it), and resolves once they all answered.
   */
  async send(message: unknown, publish: (request: ReceiptRequest) => Promise<number>): Promise<void> {
    const id = ++this.next;
    let timer: NodeJS.Timeout | undefined;
    let failure: { readonly error: unknown } | undefined;
    const applied = new Promise<void>((resolve) => {
      this.waiting.set(id, { heard: 0, receivers: undefined, done: resolve });
      // The wait covers the publish too: with Redis away it is queued, and delivered late.
      timer = setTimeout(resolve, this.waitMs);
    });
    publish({ $receipt: { to: this.channel, id }, message }).then(
      (receivers) => {
        const waiting = this.waiting.get(id);
        if (!waiting) return;
        waiting.receivers = receivers;
        this.settleIfComplete(id, waiting);
      },
      (error: unknown) => {
        failure = { error };
        this.waiting.get(id)?.done();
      },
    );
    try {
      await applied;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(id);
    }
    if (failure) throw failure.error;
  }

  /** A receipt that arrived on `channel`. */
  heard(id: unknown): void {
    const waiting = typeof id === 'number' ? this.waiting.get(id) : undefined;
    if (!waiting) return;
    waiting.heard++;
    this.settleIfComplete(id as number, waiting);
  }

  private settleIfComplete(id: number, waiting: Waiting): void {
    if (waiting.receivers === undefined || waiting.heard < waiting.receivers) return;
    this.waiting.delete(id);
    waiting.done();
  }
}
