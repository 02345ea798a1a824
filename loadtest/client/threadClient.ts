import type { ErrorMessage, ReplyMessage } from '../../contracts/common';
import { ServerMessageType } from '../../contracts/common';
import { CHAT_ROOM, ChatEventType, type ChatMessage, type SendResult, type ThreadReadyMessage } from '../../contracts/chat';
import { RawRoomClient, reserveSeat } from './rawRoomClient';

const READY_TIMEOUT_MS = 15_000;

/** The connection closed before the answer came: the command may or may not have been carried out. */
export class Disconnected extends Error {}

/**
 * One member's connection to a thread over the raw protocol, for load and
 * cluster tests: commands answered by ref, deliveries collected or handed on.
 */
export class ThreadClient {
  /** Messages other members sent while this connection was open, in arrival order (unless `onDelivered` takes them). */
  readonly delivered: ChatMessage[] = [];
  onDelivered: ((message: ChatMessage) => void) | undefined;
  private readonly waiting = new Map<string, { resolve(answer: ReplyMessage | ErrorMessage): void; reject(error: Error): void }>();
  private nextRef = 0;
  private closeCode: number | undefined;
  private closedListeners: Array<(code: number) => void> = [];

  private constructor(
    private readonly raw: RawRoomClient,
    readonly ready: ThreadReadyMessage,
  ) {
    raw.onMessage = (type, message) => this.onFrame(type, message);
    raw.onClose = (code) => {
      this.closeCode = code;
      for (const { reject } of this.waiting.values()) reject(new Disconnected(`connection closed (${code})`));
      this.waiting.clear();
      for (const listener of this.closedListeners) listener(code);
    };
  }

  /** Asks `nodeUrl` for a seat in the thread and connects to whichever node holds it. */
  static async join(nodeUrl: string, user: { readonly accessToken: string }, matchId: string): Promise<ThreadClient> {
    const seat = await reserveSeat(nodeUrl, CHAT_ROOM, { matchId }, user.accessToken);
    const raw = await RawRoomClient.connect(nodeUrl, seat);
    const ready = await new Promise<ThreadReadyMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no thread.ready')), READY_TIMEOUT_MS);
      raw.onClose = (code) => reject(new Disconnected(`closed before thread.ready (${code})`));
      raw.onMessage = (type, message) => {
        if (type === ChatEventType.READY) {
          clearTimeout(timer);
          resolve(message as ThreadReadyMessage);
        }
      };
    });
    return new ThreadClient(raw, ready);
  }

  get open(): boolean {
    return this.closeCode === undefined && this.raw.open;
  }

  /** Resolves with the close code once the connection is gone. */
  closed(): Promise<number> {
    if (this.closeCode !== undefined) return Promise.resolve(this.closeCode);
    return new Promise((resolve) => this.closedListeners.push(resolve));
  }

  /** Sends a command; resolves with its reply or coded error, rejects with Disconnected. */
  request<Result = unknown>(type: string, payload: Record<string, unknown>): Promise<ReplyMessage<Result> | ErrorMessage> {
    if (!this.open) return Promise.reject(new Disconnected('not connected'));
    const ref = String(++this.nextRef);
    return new Promise((resolve, reject) => {
      this.waiting.set(ref, { resolve: resolve as (answer: ReplyMessage | ErrorMessage) => void, reject });
      this.raw.send(type, { ...payload, ref });
    });
  }

  sendText(clientMessageId: string, body: string): Promise<ReplyMessage<SendResult> | ErrorMessage> {
    return this.request<SendResult>('send', { clientMessageId, kind: 'text', body });
  }

  close(): void {
    this.raw.close();
  }

  private onFrame(type: string | number, message: unknown): void {
    if (type === ServerMessageType.REPLY || type === ServerMessageType.ERROR) {
      const ref = (message as { ref?: string }).ref;
      const waiter = ref === undefined ? undefined : this.waiting.get(ref);
      if (waiter) {
        this.waiting.delete(ref!);
        waiter.resolve(message as ReplyMessage | ErrorMessage);
      }
    } else if (type === ChatEventType.MESSAGE) {
      if (this.onDelivered) this.onDelivered(message as ChatMessage);
      else this.delivered.push(message as ChatMessage);
    }
  }
}
