import type { AuthContext, Client } from '@colyseus/core';
import {
  eraseMessage,
  findMessage,
  findMessagesByClientIds,
  findThreadAccess,
  listMessagesBefore,
  listMessagesBetween,
  loadThread,
  saveReadMarker,
  type StoredMessage,
  type ThreadMessage,
} from '../db/repositories/messageRepository';
import type { StoredUserEvent } from '../db/repositories/eventRepository';
import {
  checkMessageContent,
  decideMessageDeletion,
  decideThreadAccess,
  messagePreview,
  pageSize,
  shouldRelayTyping,
  type TypingSent,
} from '../domain/chatRules';
import { AppError, ErrorCode } from '../domain/errors';
import { ThreadLedger } from '../domain/threadLedger';
import { UserEventType, type NewUserEvent } from '../domain/userEvents';
import { mountCommands } from './commandRouter';
import { ActorRoom } from './actorRoom';
import {
  ChatCommands,
  ChatEventType,
  ChatJoinOptions,
  type MessageReceivedData,
  type ReadResult,
  type SendResult,
  type ThreadClosedMessage,
  type ThreadReadyMessage,
  type TypingMessage,
} from './contracts/chatContracts';
import { KismetCloseCode } from './contracts/common';
import { roomServices } from './roomServices';
import { REMEMBERED_KEYS, ThreadWriter, type NumberedMessage } from './threadWriter';
import type { ThreadSignal } from './topicBus';

interface ChatAuth {
  readonly userId: string;
  /** The match the caller was admitted to. */
  readonly matchId: string;
}

interface Member {
  readonly userId: string;
  /** The thread's last sequence when this client joined: `sync` serves up to here, the rest arrives live. */
  readonly joinedAtSeq: number;
}

/** Client ids of the newest messages loaded when a thread starts, to answer resends from memory. */
const RECENT_KEYS_LOADED = REMEMBERED_KEYS;

const senderKey = (senderId: string, clientMessageId: string) => `${senderId}\u0000${clientMessageId}`;

/**
 * `chat:<matchId>`: one thread per match. Messages are stored before they are
 * acknowledged, numbered without gaps by the thread's own sequence, and
 * delivered live to members in the thread and through their sessions to the
 * others. Unmatch or block closes it for everyone at once.
 */
export class ChatThreadRoom extends ActorRoom {
  private matchId = '';
  private ledger!: ThreadLedger;
  private writer!: ThreadWriter;
  private readonly members = new Map<string, Member>(); // by Colyseus sessionId
  /** Which client sent a message still being stored, so the broadcast skips it (it gets the reply). */
  private readonly origins = new Map<string, Client>();
  private readonly typing = new Map<string, TypingSent>();
  /** Shadow-banned members: what they send, type or read reaches their own devices only. */
  private hiddenMembers = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  /** Runs in matchmaking, on whichever node took the join: only members of a live match get in. */
  static override async onAuth(token: string, rawOptions: unknown, _context: AuthContext): Promise<ChatAuth> {
    const { userId, options } = await ActorRoom.admit(token, rawOptions, ChatJoinOptions);
    const access = await findThreadAccess(roomServices().db, options.matchId, userId);
    if (access?.callerBanned) throw new AppError(ErrorCode.ACCOUNT_BANNED, 'this account is banned');
    const refusal = decideThreadAccess({
      isMember: access?.isMember ?? false,
      status: access?.status,
      blockedEitherWay: access?.blockedEitherWay ?? false,
    });
    if (refusal) throw new AppError(refusal.code, refusal.message);
    return { userId, matchId: options.matchId };
  }

  override async onCreate(options: { matchId: string }): Promise<void> {
    this.matchId = options.matchId;
    const services = roomServices();

    // Subscribed before loading: a close published from here on is heard, one published before is in the row.
    this.unsubscribe = await services.threadSignals.subscribe(this.matchId, (signal) => this.onSignal(signal));
    const thread = await loadThread(services.db, this.matchId, RECENT_KEYS_LOADED);
    if (!thread || thread.status !== 'active') {
      this.unsubscribe();
      throw new AppError(ErrorCode.THREAD_CLOSED, 'this thread is closed');
    }
    this.becomeActor('chat', this.matchId);
    this.ledger = new ThreadLedger(thread.lastSeq, thread.members);
    this.hiddenMembers = new Set(thread.hiddenMemberIds);
    this.writer = new ThreadWriter(
      {
        lastSeq: () => this.ledger.lastSeq,
        store: (input) => services.storeMessages({ matchId: this.matchId, ...input }),
        lookup: (keys) => findMessagesByClientIds(services.db, this.matchId, keys),
        notifyFor: (messages) => this.notificationsFor(messages),
        onStored: (messages, events) => this.onStored(messages, events),
        onClosed: (status) => this.closeThread(status === 'blocked' ? 'BLOCKED' : 'UNMATCHED'),
        resync: () => this.resync(),
        onConflict: (lastSeq) => {
          services.logger.error({ matchId: this.matchId, expected: this.ledger.lastSeq, found: lastSeq }, 'another thread actor wrote this thread; handing over');
          this.disconnect(KismetCloseCode.ACTOR_MOVED).catch(() => undefined);
        },
      },
      thread.recent,
    );

    mountCommands(this, 'chat', services, ChatCommands, {
      send: async (client, payload): Promise<SendResult> => {
        const refusal = checkMessageContent(payload);
        if (refusal) throw new AppError(refusal.code, refusal.message);
        const senderId = this.memberOf(client).userId;
        const key = senderKey(senderId, payload.clientMessageId);
        this.origins.set(key, client);
        try {
          return await this.writer.send({
            senderId,
            clientMessageId: payload.clientMessageId,
            kind: payload.kind,
            body: payload.body ?? null,
            mediaUrl: payload.mediaUrl ?? null,
            hidden: this.hiddenMembers.has(senderId),
          });
        } finally {
          if (this.origins.get(key) === client) this.origins.delete(key);
        }
      },
      history: (client, payload) =>
        listMessagesBefore(services.db, this.matchId, this.memberOf(client).userId, payload.beforeSeq ?? this.ledger.lastSeq + 1, pageSize(payload.limit)),
      sync: (client, payload) => {
        const member = this.memberOf(client);
        return listMessagesBetween(services.db, this.matchId, member.userId, { afterSeq: payload.afterSeq, upToSeq: member.joinedAtSeq }, pageSize(payload.limit));
      },
      typing: (client, payload) => {
        const userId = this.memberOf(client).userId;
        const nowMs = services.now().getTime();
        if (!shouldRelayTyping(this.typing.get(userId), payload.active, nowMs)) return { relayed: false };
        // A shadow-banned member is answered as anyone would be, and nobody hears it.
        if (this.hiddenMembers.has(userId)) return { relayed: true };
        // Under overload "typing" goes unsaid; "stopped" always follows one that was said.
        if (payload.active && services.shouldShed('typing')) return { relayed: false };
        this.typing.set(userId, { active: payload.active, atMs: nowMs });
        const message: TypingMessage = { userId, active: payload.active };
        this.broadcast(ChatEventType.TYPING, message, { except: client });
        return { relayed: true };
      },
      read: async (client, payload): Promise<ReadResult> => {
        const userId = this.memberOf(client).userId;
        const outcome = this.ledger.markRead(userId, payload.seq);
        if (outcome.changed) {
          await saveReadMarker(services.db, this.matchId, userId, outcome.lastReadSeq, services.now());
          this.broadcastFrom(userId, ChatEventType.READ, { userId, lastReadSeq: outcome.lastReadSeq });
          // The user's devices outside the thread update their unread count.
          services.userEvents.publish(userId, {
            kind: 'ephemeral',
            type: UserEventType.THREAD_READ,
            data: { matchId: this.matchId, lastReadSeq: outcome.lastReadSeq, unread: outcome.unread },
          });
        }
        return { lastReadSeq: outcome.lastReadSeq, unread: outcome.unread };
      },
      delete: async (client, payload) => {
        const userId = this.memberOf(client).userId;
        const message = await findMessage(services.db, this.matchId, payload.seq);
        const refusal = decideMessageDeletion(message, userId);
        if (refusal) throw new AppError(refusal.code, refusal.message);
        if (!message!.deleted) {
          await eraseMessage(services.db, { matchId: this.matchId, seq: payload.seq, memberIds: this.ledger.memberIds(), at: services.now() });
          if (message!.hidden) this.sendToUser(userId, ChatEventType.DELETED, { seq: payload.seq });
          else this.broadcast(ChatEventType.DELETED, { seq: payload.seq });
        }
        return { seq: payload.seq, deleted: true };
      },
    }, { actions: { send: 'message', typing: 'typing' }, userOf: (client) => this.memberOf(client).userId });
  }

  override onJoin(client: Client, _options: unknown, auth: ChatAuth): void {
    const services = roomServices();
    if (this.closed) throw ActorRoom.joinRefused(ErrorCode.THREAD_CLOSED, 'this thread is closed');
    // Whatever route brought the caller here: admitted to this match, and a member of it.
    if (auth?.matchId !== this.matchId || !this.ledger.isMember(auth.userId)) throw ActorRoom.joinRefused(ErrorCode.NOT_A_MEMBER, 'only the members of a match open its thread');
    // No await before this line: every message committed after it reaches this client live.
    this.members.set(client.sessionId, { userId: auth.userId, joinedAtSeq: this.ledger.lastSeq });
    services.metrics.connections.inc();
    const ready: ThreadReadyMessage = {
      matchId: this.matchId,
      lastSeq: this.ledger.lastSeq,
      // A shadow-banned member's reading shows to nobody else.
      readMarkers: this.ledger.readMarkers().filter((m) => m.userId === auth.userId || !this.hiddenMembers.has(m.userId)),
      unread: this.ledger.unread(auth.userId),
      node: services.nodeId(),
    };
    client.send(ChatEventType.READY, ready);
  }

  override onLeave(client: Client): void {
    const member = this.members.get(client.sessionId);
    if (!member) return;
    roomServices().metrics.connections.dec();
    this.members.delete(client.sessionId);
    if (this.typing.get(member.userId)?.active && !this.isPresent(member.userId)) {
      this.typing.delete(member.userId);
      this.broadcast(ChatEventType.TYPING, { userId: member.userId, active: false } satisfies TypingMessage);
    }
  }

  /** Colyseus awaits this, and a stopping node awaits its actors: messages in flight are stored before the database closes. */
  override async onDispose(): Promise<void> {
    this.unsubscribe?.();
    this.actorGone();
    await this.writer?.idle();
  }

  private memberOf(client: Client): Member {
    const member = this.members.get(client.sessionId);
    if (!member) throw new AppError(ErrorCode.NOT_A_MEMBER, 'this connection has not joined the thread');
    return member;
  }

  /** To every connection of one member, but `except`. */
  private sendToUser(userId: string, type: string, message: unknown, except?: Client): void {
    for (const client of this.clients) {
      if (client !== except && this.members.get(client.sessionId)?.userId === userId) client.send(type, message);
    }
  }

  /** To everyone, or only to the member's own connections while they are shadow-banned. */
  private broadcastFrom(userId: string, type: string, message: unknown): void {
    if (this.hiddenMembers.has(userId)) this.sendToUser(userId, type, message);
    else this.broadcast(type, message);
  }

  private isPresent(userId: string): boolean {
    for (const member of this.members.values()) if (member.userId === userId) return true;
    return false;
  }

  /** `message.received` for each member with no device in the thread, with their unread count after it. */
  private notificationsFor(messages: readonly NumberedMessage[]): Array<{ userId: string; events: NewUserEvent[] }> {
    const notify: Array<{ userId: string; events: NewUserEvent[] }> = [];
    for (const userId of this.ledger.memberIds()) {
      if (this.isPresent(userId)) continue;
      let unread = this.ledger.unread(userId);
      const events: NewUserEvent[] = [];
      for (const message of messages) {
        if (message.senderId === userId || message.hidden) continue;
        unread += 1;
        const data: MessageReceivedData = {
          matchId: this.matchId,
          seq: message.seq,
          senderId: message.senderId,
          kind: message.kind,
          preview: messagePreview(message),
          unread,
        };
        events.push({ userId, type: UserEventType.MESSAGE_RECEIVED, data: { ...data } });
      }
      if (events.length > 0) notify.push({ userId, events });
    }
    return notify;
  }

  private onStored(messages: readonly ThreadMessage[], events: readonly StoredUserEvent[]): void {
    const services = roomServices();
    this.ledger.commit(messages);
    for (const { hidden, ...message } of messages) {
      const origin = this.origins.get(senderKey(message.senderId, message.clientMessageId));
      if (hidden) this.sendToUser(message.senderId, ChatEventType.MESSAGE, message satisfies StoredMessage, origin);
      else this.broadcast(ChatEventType.MESSAGE, message satisfies StoredMessage, origin ? { except: origin } : undefined);
    }
    services.metrics.chatMessagesStored.inc(messages.length);
    services.metrics.messagesOut.inc({ kind: 'chat', type: ChatEventType.MESSAGE }, messages.length);
    for (const event of events) services.userEvents.publish(event.userId, { kind: 'stored', event });
  }

  /**
   * Starts over from storage: another actor of this thread wrote to it, or a write of
   * this one failed without an answer (it may have committed). Messages stored
   * meanwhile reach the connections here, once, as they would have live.
   */
  private async resync() {
    const services = roomServices();
    const thread = await loadThread(services.db, this.matchId, RECENT_KEYS_LOADED);
    if (!thread || thread.status !== 'active') {
      this.closeThread(thread?.status === 'blocked' ? 'BLOCKED' : 'UNMATCHED');
      return [];
    }
    const from = this.ledger.lastSeq;
    services.logger.warn({ matchId: this.matchId, from, to: thread.lastSeq }, 'thread reloaded from storage');
    if (thread.lastSeq > from) await this.deliverStored(from, thread.lastSeq);
    this.ledger = new ThreadLedger(thread.lastSeq, thread.members);
    this.hiddenMembers = new Set(thread.hiddenMemberIds);
    return thread.recent;
  }

  /** Sends each connection the messages in (afterSeq, upToSeq] that it may see (a page at most; `sync` has the rest). */
  private async deliverStored(afterSeq: number, upToSeq: number): Promise<void> {
    const db = roomServices().db;
    const viewers = new Set([...this.members.values()].map((m) => m.userId));
    for (const userId of viewers) {
      const { messages } = await listMessagesBetween(db, this.matchId, userId, { afterSeq, upToSeq }, pageSize(undefined));
      for (const message of messages) this.sendToUser(userId, ChatEventType.MESSAGE, message satisfies StoredMessage);
    }
  }

  private onSignal(signal: ThreadSignal): void {
    if (signal.kind === 'closed') return this.closeThread(signal.code);
    if (signal.kind === 'standing') {
      if (signal.shadowBanned) this.hiddenMembers.add(signal.userId);
      else this.hiddenMembers.delete(signal.userId);
      return;
    }
    // A banned member's connections go at once; the others stay.
    for (const client of this.clients) {
      if (this.members.get(client.sessionId)?.userId === signal.userId) client.leave(KismetCloseCode.SESSION_REVOKED);
    }
  }

  /** The match ended: refuse what is waiting, tell every device why, and go. */
  private closeThread(code: ThreadClosedMessage['code']): void {
    if (this.closed) return;
    this.closed = true;
    this.writer?.close(new AppError(ErrorCode.THREAD_CLOSED, `this thread is closed (${code})`));
    const message: ThreadClosedMessage = { matchId: this.matchId, code };
    this.broadcast(ChatEventType.CLOSED, message);
    // Let the broadcast leave before the sockets close.
    setTimeout(() => void this.disconnect(KismetCloseCode.THREAD_CLOSED).catch(() => undefined), 50);
  }
}
