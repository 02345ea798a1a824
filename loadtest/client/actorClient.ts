import type { ErrorMessage, ReplyMessage } from '../../contracts/common';
import { ServerMessageType } from '../../contracts/common';
import { RawRoomClient, reserveSeat } from './rawRoomClient';

const READY_TIMEOUT_MS = 15_000;

/** The connection closed before the answer came: the command may or may not have been carried out. */
export class Disconnected extends Error {}

/**
 * One connection to an actor over the raw protocol, for load and cluster tests:
 * commands answered by ref; other messages handed to `onOther`.
 */
export class ActorClient<Ready = unknown> {
  private readonly waiting = new Map<string, { resolve(answer: ReplyMessage | ErrorMessage): void; reject(error: Error): void }>();
  private nextRef = 0;
  private closeCode: number | undefined;
  private closedListeners: Array<(code: number) => void> = [];

  constructor(
    private readonly raw: RawRoomClient,
    readonly ready: Ready,
  ) {
    raw.onMessage = (type, message) => this.onFrame(type, message);
    raw.onClose = (code) => {
      this.closeCode = code;
      for (const { reject } of this.waiting.values()) reject(new Disconnected(`connection closed (${code})`));
      this.waiting.clear();
      for (const listener of this.closedListeners) listener(code);
    };
  }

  /** Asks `nodeUrl` for a seat in an actor, connects to whichever node holds it and waits for its `readyType` message. */
  static async connect<Ready>(
    nodeUrl: string,
    accessToken: string,
    room: string,
    options: Record<string, unknown>,
    readyType: string,
  ): Promise<{ raw: RawRoomClient; ready: Ready }> {
    const seat = await reserveSeat(nodeUrl, room, options, accessToken);
    const raw = await RawRoomClient.connect(nodeUrl, seat);
    const ready = await new Promise<Ready>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${readyType}`)), READY_TIMEOUT_MS);
      raw.onClose = (code) => {
        clearTimeout(timer);
        reject(new Disconnected(`closed before ${readyType} (${code})`));
      };
      raw.onMessage = (type, message) => {
        if (type === readyType) {
          clearTimeout(timer);
          resolve(message as Ready);
        }
      };
    });
    return { raw, ready };
  }

  static async joinActor<Ready>(nodeUrl: string, accessToken: string, room: string, options: Record<string, unknown>, readyType: string): Promise<ActorClient<Ready>> {
    const { raw, ready } = await ActorClient.connect<Ready>(nodeUrl, accessToken, room, options, readyType);
    return new ActorClient(raw, ready);
  }

  get open(): boolean {
    return this.closeCode === undefined && this.raw.open;
  }

  /** The close code, once the connection is gone. */
  get closedWith(): number | undefined {
    return this.closeCode;
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

  close(): void {
    this.raw.close();
  }

  /** A message that is no answer to a command. */
  protected onOther(_type: string | number, _message: unknown): void {}

  private onFrame(type: string | number, message: unknown): void {
    if (type === ServerMessageType.REPLY || type === ServerMessageType.ERROR) {
      const ref = (message as { ref?: string }).ref;
      const waiter = ref === undefined ? undefined : this.waiting.get(ref);
      if (waiter) {
        this.waiting.delete(ref!);
        waiter.resolve(message as ReplyMessage | ErrorMessage);
      }
    } else {
      this.onOther(type, message);
    }
  }
}
