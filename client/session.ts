import { SessionEventType } from '../contracts/messageTypes';
import type { DevicesChangedMessage, SessionReadyMessage, UserEventMessage } from '../contracts/session';
import type { UserEventBody, UserEventType } from '../domain/userEvents';
import type { ActorConnection, ConnectionStatus } from './actorConnection';
import type { SessionPayloads, SessionResults } from './commands';
import { EventStream } from './eventStream';

/** The data of one event type, and the whole event message. */
export type EventHandler<T extends UserEventType> = (
  data: Extract<UserEventBody, { readonly type: T }>['data'],
  event: UserEventMessage,
) => void;

type AnyHandler = (data: unknown, event: UserEventMessage) => void;

/**
 * A device connected to its user's session: typed commands that resolve with
 * their results, the user's events once each and in order (acknowledged by
 * themselves), and a connection that rejoins through any node.
 */
export class KismetSession {
  private readonly handlers = new Map<string, Set<AnyHandler>>();
  private readonly stream: EventStream;
  private readonly devicesHandlers = new Set<(devices: DevicesChangedMessage) => void>();
  private readonly statusHandlers = new Set<(status: ConnectionStatus, closeCode?: number) => void>();

  constructor(
    readonly connection: ActorConnection<SessionReadyMessage>,
    options: { readonly ackDelayMs?: number; readonly afterSeq?: number } = {},
  ) {
    this.stream = new EventStream(
      (event) => this.dispatch(event),
      (seq) => this.request('events.ack', { seq }),
      options.ackDelayMs,
      options.afterSeq,
    );
    connection.listen({
      message: (type, payload) => {
        if (type === SessionEventType.EVENT) this.stream.receive(payload as UserEventMessage);
        else if (type === SessionEventType.DEVICES_CHANGED) for (const handler of this.devicesHandlers) handler(payload as DevicesChangedMessage);
      },
      ready: (_ready, rejoined) => {
        if (rejoined) this.stream.rejoined();
      },
      status: (status, detail) => {
        for (const handler of this.statusHandlers) handler(status, detail.closeCode);
      },
    });
  }

  /** `session.ready` of the latest join. */
  get ready(): SessionReadyMessage {
    return this.connection.ready;
  }

  /** The highest event `seq` delivered to this device. */
  get lastSeq(): number {
    return this.stream.lastSeq;
  }

  get ackedSeq(): number {
    return this.stream.ackedSeq;
  }

  /**
   * A command of the session; resolves with its result or rejects with a
   * KismetError carrying its code.
   *
   * @example const { matched, matchId } = await session.request('swipe', { fromCardId, toCardId, action: 'like' });
   */
  request<K extends keyof SessionResults>(type: K, payload: SessionPayloads[K], timeoutMs?: number): Promise<SessionResults[K]> {
    return this.connection.request<SessionResults[K]>(type, payload, timeoutMs);
  }

  /** Events of one type (or `'*'` for all), each once. Returns the function that stops listening. */
  on<T extends UserEventType>(type: T, handler: EventHandler<T>): () => void;
  on(type: '*', handler: (data: unknown, event: UserEventMessage) => void): () => void;
  on(type: string, handler: (data: never, event: UserEventMessage) => void): () => void {
    const anyHandler = handler as AnyHandler;
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(anyHandler);
    return () => set.delete(anyHandler);
  }

  onDevicesChanged(handler: (devices: DevicesChangedMessage) => void): () => void {
    this.devicesHandlers.add(handler);
    return () => this.devicesHandlers.delete(handler);
  }

  /** `open`, `rejoining` (with the close code that caused it) or `closed`. */
  onStatus(handler: (status: ConnectionStatus, closeCode?: number) => void): () => void {
    this.statusHandlers.add(handler);
    return () => this.statusHandlers.delete(handler);
  }

  /** Acknowledges what was delivered and leaves. */
  async close(): Promise<void> {
    await this.stream.flush().catch(() => undefined); // leaving anyway: the next connection resends what was not acknowledged
    this.stream.stop();
    await this.connection.close();
  }

  private dispatch(event: UserEventMessage): void {
    for (const key of [event.type, '*']) for (const handler of this.handlers.get(key) ?? []) handler(event.data, event);
  }
}
