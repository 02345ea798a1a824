/** A message's answer: its sequence and when it was stored. */
export interface SentAt {
  readonly seq: number;
  readonly at: number;
}

/**
 * The answers of a thread's last `capacity` stored messages, by sender and
 * client id, so a resend is answered without a query. Kept lean because a node
 * holds thousands of threads: a map per sender keyed by the client id itself
 * (no joined key string per message) and the answers in two typed rings.
 */
export class RecentSends {
  private readonly bySender = new Map<string, Map<string, number>>(); // client id -> ring slot
  private readonly slotSender: Array<Map<string, number> | undefined>;
  private readonly slotId: Array<string | undefined>;
  private readonly seqs: Float64Array;
  private readonly ats: Float64Array;
  private next = 0;

  constructor(private readonly capacity: number) {
    this.slotSender = new Array<Map<string, number> | undefined>(capacity);
    this.slotId = new Array<string | undefined>(capacity);
    this.seqs = new Float64Array(capacity);
    this.ats = new Float64Array(capacity);
  }

  get(senderId: string, clientMessageId: string): SentAt | undefined {
    const slot = this.bySender.get(senderId)?.get(clientMessageId);
    return slot === undefined ? undefined : { seq: this.seqs[slot]!, at: this.ats[slot]! };
  }

  /** Remembers an answer, forgetting the oldest beyond capacity. */
  remember(key: { readonly senderId: string; readonly clientMessageId: string; readonly seq: number; readonly at: number }): void {
    let ids = this.bySender.get(key.senderId);
    if (!ids) this.bySender.set(key.senderId, (ids = new Map()));
    const known = ids.get(key.clientMessageId);
    const slot = known ?? this.next;
    if (known === undefined) {
      this.forget(slot);
      this.next = (this.next + 1) % this.capacity;
      ids.set(key.clientMessageId, slot);
      this.slotSender[slot] = ids;
      this.slotId[slot] = key.clientMessageId;
    }
    this.seqs[slot] = key.seq;
    this.ats[slot] = key.at;
  }

  private forget(slot: number): void {
    const ids = this.slotSender[slot];
    if (ids && ids.get(this.slotId[slot]!) === slot) ids.delete(this.slotId[slot]!);
    this.slotSender[slot] = undefined;
    this.slotId[slot] = undefined;
  }
}
