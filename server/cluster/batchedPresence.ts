import { RedisPresence } from '@colyseus/redis-presence';
import type { Redis } from 'ioredis';
import { AppliedReceipts, isReceiptRequest, type ReceiptRequest } from './appliedReceipts';
import { nodesAlive, processChannel } from './processChannel';

type Callback = Parameters<RedisPresence['subscribe']>[1];

/** Long enough for a busy node, short of an answer's own deadline: a node waits half its DEPENDENCY_TIMEOUT_MS. */
export const DEFAULT_RECEIPT_WAIT_MS = 2_500;

/** Colyseus's hash of the nodes it counts: process id → "rooms,connections" (its `Stats`). */
export const COUNTED_NODES_KEY = 'roomcount';
/** The pattern of every node's process channel, as Colyseus asks for them. */
const PROCESS_CHANNELS = processChannel('*');

/** How a receipt request's JSON starts: other messages are parsed as Colyseus parses them. */
const RECEIPT_REQUEST_START = '{"$receipt":';

/**
 * Colyseus's Redis presence, whose channel subscriptions leave in one SUBSCRIBE
 * and one UNSUBSCRIBE per turn of the event loop, whatever their number.
 *
 * Every join subscribes at least once (a new actor's room channel, a session's user
 * topic, the reply channel of each request to another node) and unsubscribes as
 * often: one command and one socket write each, on the one subscriber connection,
 * where ioredis pipelines nothing. Here a channel that changed is only marked; once
 * the turn's I/O callbacks have run, the channels that have listeners and those that
 * lost their last one are sent together. A subscribe still resolves only once Redis
 * confirmed it, so nothing published after it is missed.
 *
 * It also publishes changes whose sender must not answer before they are in
 * effect (`publishApplied`): each node that receives one answers a receipt once
 * its listeners have run.
 *
 * Asked for every node's process channel (Colyseus does so as a node starts, to
 * check the nodes it counts), it asks Redis about the counted nodes' channels
 * alone: `PUBSUB CHANNELS p:*` walks every channel Redis holds, two or more per
 * connected user, while Redis serves nobody else. A node whose lease is gone
 * counts as having none.
 */
export class BatchedRedisPresence extends RedisPresence {
  private readonly changed = new Set<string>();
  private scheduled: Promise<void> | undefined;
  private readonly receipts: AppliedReceipts;
  /** The subscription to this node's receipt channel. */
  private receiptsHeard: Promise<unknown> | undefined;

  /** `receiptWaitMs`: how long `publishApplied` waits for a node that does not answer. */
  constructor(redis: Redis, receiptWaitMs = DEFAULT_RECEIPT_WAIT_MS) {
    super(redis);
    this.receipts = new AppliedReceipts(receiptWaitMs);
    const parent = this.handleSubscription;
    this.handleSubscription = (channel: string, text: string) => {
      const request = text.startsWith(RECEIPT_REQUEST_START) ? receiptRequestIn(text) : undefined;
      if (!request) return parent(channel, text);
      try {
        this.subscriptions.emit(channel, request.message as never);
      } finally {
        // A listener that threw still answers: the sender is not held up by a fault of this node's.
        Promise.resolve(this.publish(request.$receipt.to, request.$receipt.id)).catch(() => undefined);
      }
    };
    // Subscribed now (with the handler above), so that a change published later does not wait for it.
    this.hearReceipts().catch(() => undefined);
  }

  /** The connection the subscriptions live on, for the node to watch. */
  get subscriber(): Redis {
    return this.sub as Redis;
  }

  override async subscribe(topic: string, callback: Callback): Promise<this> {
    this.subscriptions.addListener(topic, callback);
    if (this.sub.listeners('message').length === 0) this.sub.on('message', this.handleSubscription);
    await this.sendChange(topic);
    return this;
  }

  override async unsubscribe(topic: string, callback?: Callback): Promise<this> {
    if (callback) this.subscriptions.removeListener(topic, callback);
    else this.subscriptions.removeAllListeners(topic);
    if (this.subscriptions.listenerCount(topic) === 0) await this.sendChange(topic);
    return this;
  }

  /**
   * The channels matching `pattern`; for the process channels, those of the nodes
   * Colyseus counts that someone listens on and whose lease runs (`nodesAlive`):
   * Colyseus health-checks the others, and sweeps those that do not answer.
   */
  override async channels(pattern = '*'): Promise<string[]> {
    if (pattern !== PROCESS_CHANNELS) return super.channels(pattern);
    const nodeIds = Object.keys(await this.hgetall(COUNTED_NODES_KEY));
    const alive = await nodesAlive(this.pub as Redis, nodeIds);
    return nodeIds.filter((_, i) => alive[i]).map(processChannel);
  }

  /**
   * Publishes `data` to `topic` and resolves once every node that received it has
   * handed it to its listeners (or after the receipt wait, for a node that does not
   * answer). Rejects only when Redis did not take the message.
   */
  async publishApplied(topic: string, data: unknown): Promise<void> {
    await this.hearReceipts();
    await this.receipts.send(data, (request) => this.pub.publish(topic, JSON.stringify(request)));
  }

  /** Subscribes this node's receipt channel once (again after a failed try). */
  private hearReceipts(): Promise<unknown> {
    this.receiptsHeard ??= this.subscribe(this.receipts.channel, (id: unknown) => this.receipts.heard(id)).catch((error: unknown) => {
      this.receiptsHeard = undefined;
      throw error;
    });
    return this.receiptsHeard;
  }

  /** Resolves once the channel's state at the end of this turn reached Redis. */
  private sendChange(topic: string): Promise<void> {
    this.changed.add(topic);
    this.scheduled ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
    return this.scheduled;
  }

  private async flush(): Promise<void> {
    const topics = [...this.changed];
    this.changed.clear();
    this.scheduled = undefined;
    // Whatever happened to a channel during the turn, only where it ended matters.
    const wanted: string[] = [];
    const dropped: string[] = [];
    for (const topic of topics) (this.subscriptions.listenerCount(topic) > 0 ? wanted : dropped).push(topic);
    await Promise.all([wanted.length > 0 ? this.sub.subscribe(...wanted) : undefined, dropped.length > 0 ? this.sub.unsubscribe(...dropped) : undefined]);
  }
}

function receiptRequestIn(text: string): ReceiptRequest | undefined {
  try {
    const data: unknown = JSON.parse(text);
    return isReceiptRequest(data) ? data : undefined;
  } catch {
    return undefined;
  }
}
