import { Client, type FetchFn, type Room } from '@colyseus/sdk';
import { READY_COMMAND } from '../contracts/messageTypes';
import { KismetError, toKismetError } from './errors';
import { rejoinDelayMs, rejoinPauseMs, shouldRejoin } from './rejoinPolicy';

/** Refusals of a join that waiting does not cure: the client stops rejoining. */
const FINAL_JOIN_CODES: ReadonlySet<string> = new Set([
  'NOT_YOUR_SESSION', 'NOT_A_MEMBER', 'UNMATCHED', 'BLOCKED', 'ACCOUNT_BANNED', 'TOKEN_MISSING', 'TOKEN_INVALID',
  'TOKEN_REVOKED', 'REFRESH_TOKEN_INVALID', 'REFRESH_TOKEN_REUSED', 'NOT_IN_CELL', 'NOT_REGISTERED',
  'REMOVED_FROM_EVENT', 'EVENT_ENDED', 'EVENT_FULL', 'INVALID_ROOM_OPTIONS', 'NOT_FOUND',
]);

/** A first join refused for a while (UNAVAILABLE, a draining node) is tried this often before it is given up. */
const FIRST_JOIN_ATTEMPTS = 5;

export type ConnectionStatus = 'open' | 'rejoining' | 'closed';

export interface ActorConnectionOptions {
  /** Nodes to join through, tried in turn (any node reaches any actor). */
  readonly urls: () => readonly string[];
  readonly roomName: string;
  readonly joinOptions: Readonly<Record<string, unknown>>;
  /** The message the actor sends once after a join (`session.ready`, `thread.ready`, ...). */
  readonly readyType: string;
  /**
   * The token to join with. `expired` is one a join was just refused with as expired
   * (TOKEN_EXPIRED: this device's clock ran behind the server's): a fresh one is wanted.
   */
  readonly accessToken: (expired?: string) => Promise<string>;
  /** How the matchmaking requests go out (the SDK's `fetchFn`): the platform's `fetch` when left out. */
  readonly fetch?: FetchFn;
  readonly readyTimeoutMs?: number;
  readonly random?: () => number;
  /** Replaces setTimeout for the waits between rejoins (tests). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface ConnectionListener<Ready> {
  /** Every message the actor sends, in order (the ready message too). */
  message?(type: string, payload: unknown): void;
  /** After each join: `rejoined` is false the first time. */
  ready?(ready: Ready, rejoined: boolean): void;
  status?(status: ConnectionStatus, detail: { readonly closeCode?: number; readonly error?: KismetError }): void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The join's matchmaking request got no answer at all (refused connection, reset,
 * no route): the SDK reports an HTTP answer with its numeric status, and a request
 * that never got one with the network error's code, or none.
 */
function notReached(error: unknown): boolean {
  return error instanceof Error && error.name === 'MatchMakeError' && typeof (error as { code?: unknown }).code !== 'number';
}

/**
 * One device's connection to one actor, kept up by itself: when the socket
 * closes with a code PROTOCOL.md says means "rejoin through any node" (a node
 * drained, died or was fenced), it joins again through the next node, with
 * backoff, and tells its listeners (who then read what they missed).
 */
export class ActorConnection<Ready> {
  private current: Room | undefined;
  private currentReady: Ready | undefined;
  private state: ConnectionStatus = 'rejoining';
  private readonly listeners = new Set<ConnectionListener<Ready>>();
  private waiters: Array<() => void> = [];
  private nodeTurn = 0;
  /** The token the last join was refused with as expired, until a join asks for another. */
  private expiredToken: string | undefined;
  joins = 0;

  private constructor(private readonly options: ActorConnectionOptions) {}

  /**
   * Joins (a final refusal is thrown as a KismetError at once, one that passes with
   * time after a few tries with backoff); from then on the connection rejoins by itself.
   */
  static async open<Ready>(options: ActorConnectionOptions, listener?: ConnectionListener<Ready>): Promise<ActorConnection<Ready>> {
    const connection = new ActorConnection<Ready>(options);
    if (listener) connection.listeners.add(listener);
    await connection.joinThroughAnyNode(true);
    return connection;
  }

  get status(): ConnectionStatus {
    return this.state;
  }

  /** The ready message of the latest join. */
  get ready(): Ready {
    if (this.currentReady === undefined) throw new KismetError('CONNECTION_CLOSED', 'not joined');
    return this.currentReady;
  }

  /** The SDK room of the current connection (it changes with every rejoin). */
  get room(): Room | undefined {
    return this.current;
  }

  listen(listener: ConnectionListener<Ready>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends a command and resolves with its result, or rejects with its coded error; waits out a rejoin first. */
  async request<Result>(type: string, payload: unknown, timeoutMs = 10_000): Promise<Result> {
    const room = await this.whenOpen(timeoutMs);
    try {
      return (await room.request(type, payload, { timeout: timeoutMs })) as Result;
    } catch (error) {
      throw toKismetError(error);
    }
  }

  /** Leaves the actor for good; a rejoin under way is left as soon as it has joined. */
  async close(): Promise<void> {
    this.setStatus('closed', {});
    const room = this.current;
    this.current = undefined;
    if (room?.connection?.isOpen) await room.leave(true).catch(() => undefined);
  }

  private whenOpen(timeoutMs: number): Promise<Room> {
    // A socket that just dropped (its node died) is not open before this connection hears of
    // it: the SDK would refuse the request unsent, so it waits for the rejoin that follows.
    if (this.state === 'open' && this.current?.connection?.isOpen) return Promise.resolve(this.current);
    if (this.state === 'closed') return Promise.reject(new KismetError('CONNECTION_CLOSED', 'the connection is closed'));
    return new Promise<Room>((resolve, reject) => {
      const timer = setTimeout(() => reject(new KismetError('TIMEOUT', 'not reconnected in time')), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        if (this.state === 'open' && this.current) resolve(this.current);
        else reject(new KismetError('CONNECTION_CLOSED', 'the connection is closed'));
      });
    });
  }

  private setStatus(status: ConnectionStatus, detail: { closeCode?: number; error?: KismetError }): void {
    this.state = status;
    for (const listener of this.listeners) listener.status?.(status, detail);
    if (status !== 'rejoining') {
      const waiting = this.waiters;
      this.waiters = [];
      for (const wake of waiting) wake();
    }
  }

  /** Joins through the nodes in turn, with backoff; `pauseMs` is waited before the first try (rejoinPauseMs). */
  private async joinThroughAnyNode(first: boolean, pauseMs = 0): Promise<void> {
    const random = this.options.random ?? Math.random;
    const sleep = this.options.sleep ?? defaultSleep;
    let delayMs = pauseMs;
    // Nodes in a row that could not be reached: the next is tried at once, until a whole round failed.
    let unreached = 0;
    for (let attempt = 0; ; ) {
      if (delayMs > 0) await sleep(delayMs);
      if (this.state === 'closed') return;
      try {
        await this.join(!first);
        return;
      } catch (error) {
        const refusal = toKismetError(error);
        // A node that is down (killed, not yet replaced) answers nothing: it is no reason to wait before the next.
        if (notReached(error) && ++unreached < this.options.urls().length) {
          delayMs = 0;
          continue;
        }
        unreached = 0;
        attempt += 1;
        if (FINAL_JOIN_CODES.has(refusal.code) || (first && attempt >= FIRST_JOIN_ATTEMPTS)) {
          if (!first) this.setStatus('closed', { error: refusal });
          throw refusal;
        }
        // An expired token is no reason to wait: the next try asks for a fresh one.
        delayMs = refusal.code === 'TOKEN_EXPIRED' ? 0 : rejoinDelayMs(attempt, random(), refusal.retryAfterMs ?? 0);
      }
    }
  }

  private async join(rejoined: boolean): Promise<void> {
    const urls = this.options.urls();
    const url = urls[this.nodeTurn++ % urls.length]!;
    const refusal = new RefusalBody();
    const client = new Client(url, { fetchFn: refusal.reading(this.options.fetch ?? globalThis.fetch) });
    const token = await this.options.accessToken(this.expiredToken);
    this.expiredToken = undefined;
    client.http.authToken = token;
    let room: Room;
    try {
      room = await client.joinOrCreate(this.options.roomName, { ...this.options.joinOptions });
    } catch (error) {
      if (toKismetError(error).code === 'TOKEN_EXPIRED') this.expiredToken = token;
      throw refusal.withRetry(error);
    }
    // Closed while this join was under way (the app signed out, or left the screen): what it joined is left at once.
    if (this.closedMeanwhile()) {
      void room.leave(true);
      return;
    }
    // Kismet keeps no seat for a dropped connection: a fresh join, through any node, replaces the SDK's reconnection.
    room.reconnection.enabled = false;
    const ready = new Promise<Ready>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new KismetError('TIMEOUT', `no ${this.options.readyType}`));
        // Given up: its socket goes too (it would stay open beside the next try's), and its close is no rejoin.
        if (this.current === room) this.current = undefined;
        room.leave(true).catch(() => undefined);
      }, this.options.readyTimeoutMs ?? 10_000);
      // Registered before anything else is awaited, so the actor's first message cannot be missed.
      room.onMessage('*', (type, payload) => {
        if (type === this.options.readyType) {
          clearTimeout(timer);
          resolve(payload as Ready);
        }
        if (this.current === room) for (const listener of this.listeners) listener.message?.(String(type), payload);
      });
      room.onLeave((code) => {
        clearTimeout(timer);
        reject(new KismetError('CONNECTION_CLOSED', `closed with ${code} before ${this.options.readyType}`));
        this.left(room, code);
      });
      // Every actor also answers `ready` with the same message: whichever comes first settles it.
      room.request(READY_COMMAND, {}).then(
        (answer) => {
          clearTimeout(timer);
          resolve(answer as Ready);
        },
        () => undefined, // the pushed message or the timer settles it
      );
    });
    this.current = room;
    this.currentReady = await ready;
    if (this.closedMeanwhile()) return; // close() left this room meanwhile
    this.joins++;
    this.setStatus('open', {});
    for (const listener of this.listeners) listener.ready?.(this.currentReady, rejoined);
  }

  /** Whether close() was called while a join was under way (a method: a join's checks must not be narrowed away). */
  private closedMeanwhile(): boolean {
    return this.state === 'closed';
  }

  private left(room: Room, closeCode: number): void {
    if (this.current !== room || this.state === 'closed') return;
    if (!shouldRejoin(closeCode)) {
      this.setStatus('closed', { closeCode });
      return;
    }
    this.setStatus('rejoining', { closeCode });
    this.joinThroughAnyNode(false, rejoinPauseMs(closeCode)).catch(() => undefined); // a final refusal closed the connection and told the listeners
  }
}

/**
 * The body of a refused matchmaking request: the SDK keeps only its message, and
 * with it the refusal's `retryAfterMs` (a rate limit, an actor starting elsewhere) was lost.
 */
class RefusalBody {
  private body: unknown;

  reading(fetchFn: FetchFn): FetchFn {
    return async (input, init) => {
      const response = await fetchFn(input, init);
      if (!response.ok) this.body = await response.clone().json().catch(() => undefined);
      return response;
    };
  }

  /** A refusal whose body had a `retryAfterMs`, as a KismetError with it; anything else as it was thrown. */
  withRetry(error: unknown): unknown {
    const retryAfterMs = (this.body as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
    if (typeof retryAfterMs !== 'number') return error;
    const coded = toKismetError(error);
    return new KismetError(coded.code, coded.message.replace(/^[A-Z_]+: /, ''), retryAfterMs);
  }
}
