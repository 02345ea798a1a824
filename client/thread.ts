import { ChatEventType } from '../contracts/messageTypes';
import type {
  ChatMessage,
  DeletedMessage,
  MessagePage,
  ReadMarker,
  SendResult,
  ThreadClosedMessage,
  ThreadMembersMessage,
  ThreadReadyMessage,
  TypingMessage,
} from '../contracts/chat';
import type { ActorConnection, ConnectionStatus } from './actorConnection';
import type { ChatPayloads, ChatResults } from './commands';
import { toKismetError } from './errors';

/** What a thread tells its members, by type. */
export interface ThreadEvents {
  message: ChatMessage;
  typing: TypingMessage;
  read: ReadMarker;
  'message.deleted': DeletedMessage;
  'thread.closed': ThreadClosedMessage;
  /** A colleague came or went: everyone in the thread now. */
  'thread.members': ThreadMembersMessage;
}

const EVENT_OF_TYPE: Readonly<Record<string, keyof ThreadEvents>> = {
  [ChatEventType.MESSAGE]: 'message',
  [ChatEventType.TYPING]: 'typing',
  [ChatEventType.READ]: 'read',
  [ChatEventType.DELETED]: 'message.deleted',
  [ChatEventType.CLOSED]: 'thread.closed',
  [ChatEventType.MEMBERS]: 'thread.members',
};

/** Errors after which a send is tried again with the same client message id. */
const RESEND_CODES: ReadonlySet<string> = new Set(['UNAVAILABLE', 'ACTOR_UNAVAILABLE', 'CONNECTION_CLOSED', 'TIMEOUT']);
/** Errors after which a page of `sync` is asked again: those, and its bucket's. */
const RESYNC_CODES: ReadonlySet<string> = new Set([...RESEND_CODES, 'RATE_LIMITED']);
const MAX_SEND_ATTEMPTS = 5;

/** Asks until answered, again after the wait a refusal with one of `codes` names (or a growing one), at most MAX_SEND_ATTEMPTS times. */
async function retried<T>(ask: () => Promise<T>, codes: ReadonlySet<string>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ask();
    } catch (error) {
      const refusal = toKismetError(error);
      if (attempt >= MAX_SEND_ATTEMPTS || !codes.has(refusal.code)) throw refusal;
      await new Promise((resolve) => setTimeout(resolve, refusal.retryAfterMs ?? 250 * attempt));
    }
  }
}
const SYNC_PAGE = 200;

const newMessageId = (): string => globalThis.crypto.randomUUID();

/**
 * A member's connection to a chat thread. Messages of others arrive once each,
 * in order: after a rejoin the thread reads what it missed with `sync` and
 * hands over only messages it had not delivered. Sends keep their client
 * message id across retries, so a resend never stores twice.
 */
export class KismetThread {
  private readonly handlers = new Map<keyof ThreadEvents, Set<(payload: never) => void>>();
  private readonly seen = new Set<number>();
  private readonly statusHandlers = new Set<(status: ConnectionStatus, closeCode?: number) => void>();
  /** Everything after this arrived live on the current connection (its `thread.ready`'s lastSeq). */
  private liveAfter: number;

  constructor(readonly connection: ActorConnection<ThreadReadyMessage>) {
    this.liveAfter = connection.ready.lastSeq;
    connection.listen({
      message: (type, payload) => {
        const event = EVENT_OF_TYPE[type];
        if (event === 'message') this.deliver(payload as ChatMessage);
        else if (event) this.emit(event, payload as ThreadEvents[typeof event]);
      },
      ready: (ready, rejoined) => {
        const missedAfter = this.liveAfter;
        this.liveAfter = ready.lastSeq;
        if (rejoined) void this.catchUp(missedAfter, ready.lastSeq);
      },
      status: (status, detail) => {
        for (const handler of this.statusHandlers) handler(status, detail.closeCode);
      },
    });
  }

  get ready(): ThreadReadyMessage {
    return this.connection.ready;
  }

  request<K extends keyof ChatResults>(type: K, payload: ChatPayloads[K], timeoutMs?: number): Promise<ChatResults[K]> {
    return this.connection.request<ChatResults[K]>(type, payload, timeoutMs);
  }

  on<K extends keyof ThreadEvents>(type: K, handler: (payload: ThreadEvents[K]) => void): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler as (payload: never) => void);
    return () => set.delete(handler as (payload: never) => void);
  }

  onStatus(handler: (status: ConnectionStatus, closeCode?: number) => void): () => void {
    this.statusHandlers.add(handler);
    return () => this.statusHandlers.delete(handler);
  }

  /** Sends a text; resolves once it is stored. Retries with the same id across a rejoin. */
  sendText(body: string, clientMessageId = newMessageId()): Promise<SendResult> {
    return this.send({ clientMessageId, kind: 'text', body });
  }

  async send(payload: ChatPayloads['send']): Promise<SendResult> {
    const result = await retried(() => this.request('send', payload), RESEND_CODES);
    this.seen.add(result.seq);
    return result;
  }

  /** A page of older messages, oldest first (the newest page without `beforeSeq`). */
  history(beforeSeq?: number, limit?: number): Promise<MessagePage> {
    return this.request('history', { beforeSeq, limit });
  }

  typing(active: boolean): Promise<ChatResults['typing']> {
    return this.request('typing', { active });
  }

  read(seq: number): Promise<ChatResults['read']> {
    return this.request('read', { seq });
  }

  delete(seq: number): Promise<ChatResults['delete']> {
    return this.request('delete', { seq });
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  /**
   * Reads, page by page, what was stored while the connection was down, and delivers what is
   * new. A page that cannot be read now leaves the rest to the next rejoin, which reads again
   * from there (what arrived live meanwhile is delivered once: `seen`).
   */
  private async catchUp(afterSeq: number, upTo: number): Promise<void> {
    let from = afterSeq;
    while (from < upTo) {
      const page = await this.syncPage(from);
      if (!page) {
        this.liveAfter = Math.min(this.liveAfter, from);
        return;
      }
      if (page.messages.length === 0) return;
      for (const message of page.messages) this.deliver(message);
      from = page.messages[page.messages.length - 1]!.seq;
      if (!page.hasMore) return;
    }
  }

  /** One page of `sync`; a page refused for now (its bucket, a dependency) is asked again after the wait it names. */
  private syncPage(afterSeq: number): Promise<ChatResults['sync'] | undefined> {
    return retried(() => this.request('sync', { afterSeq, limit: SYNC_PAGE }), RESYNC_CODES).catch(() => undefined);
  }

  private deliver(message: ChatMessage): void {
    if (this.seen.has(message.seq)) return;
    this.seen.add(message.seq);
    this.emit('message', message);
  }

  private emit<K extends keyof ThreadEvents>(type: K, payload: ThreadEvents[K]): void {
    for (const handler of this.handlers.get(type) ?? []) (handler as (payload: ThreadEvents[K]) => void)(payload);
  }
}
