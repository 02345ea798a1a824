import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger';

/** Slots of the memory the node's main thread and its renewal thread share (milliseconds since the epoch). */
export const MAIN_TURNED_AT = 0;
export const RENEWED_SENT_AT = 1;
/** When the renewal that found the lease lapsed was sent (the renewal thread writes it). */
export const LAPSED_SENT_AT = 2;
/** 1 while the node serves nothing (starting, or fenced with its actors gone): the thread may take a lapsed lease again (the main thread writes it). */
export const RETAKE_ALLOWED = 3;
/** When the renewal that found the lease gone within its lifetime was sent: Redis lost it (flushed, evicted), and the thread made it again. */
export const LOST_SENT_AT = 4;
const SLOTS = 5;

/** What the renewal thread is started with. */
export interface LeaseRenewalSettings {
  readonly redisUrl: string;
  readonly timeoutMs: number;
  readonly key: string;
  readonly periodMs: number;
  readonly lifetimeMs: number;
  /** The main thread not seen turning for longer than this: the process is ended. */
  readonly maxStallMs: number;
  readonly shared: SharedArrayBuffer;
}

export interface LeaseRenewalPlan {
  readonly key: string;
  readonly periodMs: number;
  readonly lifetimeMs: number;
  readonly maxStallMs: number;
  /** When the renewal that took the lease was sent. */
  readonly renewedSentAt: number;
}

const WORKER_ENTRY = path.join(__dirname, 'leaseRenewalWorker.js');

/**
 * A node's lease renewed from a thread of its own. A main thread busy for seconds (a
 * collector working through the garbage of 17,000 clients leaving at once) sends no
 * renewal, and a lease renewed only from there lapsed: the node had to fence itself,
 * and every client it still served went elsewhere, onto nodes as busy. The thread
 * renews as long as the main thread was seen turning within `maxStallMs`; a main
 * thread stuck past that is ended with its process, so that the others take its
 * actors (left alive, it kept them from its users as long as it was stuck).
 *
 * A renewal only extends a lease that still exists (`SET ... XX`): one that lapsed
 * (a partition, a frozen process) may have let the others take the node's actors,
 * and the node must fence itself before it takes the lease again (`allowRetake`).
 * One gone well within its lifetime was lost by Redis (`FLUSHDB`, an eviction, a
 * restart too quick to drop a connection): the thread makes it again at once and
 * says so (`lostSentAt`), for the node's listings went with it.
 */
export class LeaseRenewals {
  private readonly slots = new BigInt64Array(new SharedArrayBuffer(SLOTS * BigInt64Array.BYTES_PER_ELEMENT));
  private worker: Worker | undefined;
  private plan: LeaseRenewalPlan | undefined;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: { readonly redisUrl: string; readonly timeoutMs: number; readonly logger: Logger; readonly now: () => number }) {}

  /** Starts the thread; resolves once it renewed the lease, or after `timeoutMs` without that. */
  async start(plan: LeaseRenewalPlan): Promise<void> {
    this.plan = plan;
    const taken = BigInt(Math.floor(plan.renewedSentAt));
    Atomics.store(this.slots, RENEWED_SENT_AT, taken);
    this.noteTurn(this.options.now());
    this.spawn();
    const giveUpAt = this.options.now() + this.options.timeoutMs;
    for (;;) {
      const renewed = Atomics.load(this.slots, RENEWED_SENT_AT);
      if (renewed > taken || this.plan !== plan) return;
      const leftMs = giveUpAt - this.options.now();
      if (leftMs <= 0) {
        this.options.logger.warn({ timeoutMs: this.options.timeoutMs }, 'the lease renewal thread has not renewed the lease yet');
        return;
      }
      // The thread notifies the slot as it stores a renewal.
      const wait = Atomics.waitAsync(this.slots, RENEWED_SENT_AT, renewed, leftMs);
      if (wait.async) await wait.value;
    }
  }

  /** The main thread turns (called on its heartbeat). */
  noteTurn(at: number): void {
    Atomics.store(this.slots, MAIN_TURNED_AT, BigInt(Math.floor(at)));
  }

  /** When the last renewal that Redis took was sent. */
  renewedSentAt(): number {
    return Number(Atomics.load(this.slots, RENEWED_SENT_AT));
  }

  /** When the last renewal that found the lease lapsed was sent (0: none did). */
  lapsedSentAt(): number {
    return Number(Atomics.load(this.slots, LAPSED_SENT_AT));
  }

  /** When the last renewal that found the lease lost by Redis was sent (0: none did). */
  lostSentAt(): number {
    return Number(Atomics.load(this.slots, LOST_SENT_AT));
  }

  /** Lets the thread take a lapsed lease again (only once the node stopped serving), or no longer. */
  allowRetake(allowed: boolean): void {
    Atomics.store(this.slots, RETAKE_ALLOWED, allowed ? 1n : 0n);
  }

  stop(): void {
    this.plan = undefined;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
  }

  private spawn(): void {
    const plan = this.plan;
    if (!plan) return;
    const settings: LeaseRenewalSettings = { ...plan, redisUrl: this.options.redisUrl, timeoutMs: this.options.timeoutMs, shared: this.slots.buffer as SharedArrayBuffer };
    const worker = new Worker(WORKER_ENTRY, { workerData: settings, resourceLimits: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 1 } });
    this.worker = worker;
    worker.unref();
    worker.on('message', (failure: unknown) => this.options.logger.debug({ failure }, 'lease not renewed'));
    worker.on('error', (error) => this.options.logger.error({ err: error }, 'the lease renewal thread failed'));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return; // stopped
      this.worker = undefined;
      // Until it is back, the lease runs out and the node fences itself: as a node cut off from Redis would.
      this.options.logger.error({ code }, 'the lease renewal thread stopped; starting it again');
      this.restartTimer = setTimeout(() => this.spawn(), plan.periodMs);
    });
  }
}
