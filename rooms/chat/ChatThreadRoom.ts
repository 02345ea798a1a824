import type { AuthContext, Client } from '@colyseus/core';
import type { StoredMessage, ThreadMessage } from '../../db/repositories/messageRepository';
import type { StoredUserEvent } from '../../db/repositories/eventRepository';
import { endCodeSeenBy, threadEndOf, type ThreadEnd } from '../../domain/blockDisclosure';
import { AppError, ErrorCode } from '../../domain/errors';
import { ThreadLedger } from '../../domain/threadLedger';
import { messageNotices } from '../../domain/threadNotifications';
import { seemingReads } from '../../domain/shadowBanAudience';
import { ActorRoom } from '../actorRoom';
import { ChatEventType, type ReadMarker, type ThreadClosedMessage, type ThreadReadyMessage, type TypingMessage } from '../../contracts/chat';
import { KismetCloseCode } from '../../contracts/common';
import type { ThreadSignal } from '../../services/topicBus';
import { roomServices } from '../roomServices';
import { deliverStored, mountChatCommands } from './chatCommands';
import { admitToThread, type ChatAuth } from './threadAdmission';
import { ThreadMembership } from './threadMembership';
import { ThreadParts } from './threadParts';
import { recheckThread } from './threadRecheck';
import { ThreadWriter } from './threadWriter';

/**
 * `chat:<matchId>`: one thread per match. Messages are stored before they are
 * acknowledged, numbered without gaps by the thread's own sequence, and
 * delivered live to members in the thread and through their sessions to the
 * others. Unmatch or block closes it for everyone at once.
 */
export class ChatThreadRoom extends ActorRoom {
  private readonly parts = new ThreadParts();

  /** Runs in matchmaking, on whichever node took the join: only members of a live match get in. */
  static override onAuth(token: string, rawOptions: unknown, _context: AuthContext): Promise<ChatAuth> {
    return admitToThread(token, rawOptions);
  }

  override async onCreate(options: { matchId: string }): Promise<void> {
    this.parts.matchId = options.matchId;
    const services = roomServices();
    // Subscribed before loading: a close published from here on is heard, one published before is in the row.
    this.parts.unsubscribe = await services.threadSignals.subscribe(this.parts.matchId, this.heardOnceListed((signal: ThreadSignal) => this.onSignal(signal)));
    const thread = await services.threads.load(this.parts.matchId);
    if (!thread || thread.status !== 'active') {
      this.parts.unsubscribe();
      throw new AppError(ErrorCode.THREAD_CLOSED, 'this thread is closed');
    }
    this.becomeActor('chat', this.parts.matchId);
    this.parts.ledger = new ThreadLedger(thread.lastSeq, thread.members);
    this.parts.hiddenMembers = new Set(thread.hiddenMemberIds);
    this.parts.writer = new ThreadWriter(this.parts.matchId, services.chatStore, {
      lastSeq: () => this.parts.ledger.lastSeq,
      colleagues: () => this.parts.membership,
      noticesFor: (messages) => messageNotices({
        matchId: this.parts.matchId, memberIds: this.parts.ledger.memberIds(), isPresent: (userId) => this.isConnected(userId), unreadOf: (userId) => this.parts.ledger.unread(userId), messages,
      }),
      onStored: (messages, events) => this.onStored(messages, events),
      onClosed: (ended) => this.closeThread(threadEndOf(ended)),
      resync: () => this.resync(),
      onConflict: (lastSeq) => {
        services.logger.error({ matchId: this.parts.matchId, expected: this.parts.ledger.lastSeq, found: lastSeq }, 'another thread actor wrote this thread; handing over');
        this.disconnect(KismetCloseCode.ACTOR_MOVED).catch((error: unknown) => this.warn(error, 'closing a moved thread failed'));
      },
    }, thread.recent);
    const { matchId, writer } = this.parts;
    this.parts.membership = new ThreadMembership({ matchId, writer, ledger: () => this.parts.ledger, clientsOf: (userId) => this.clientsOf(userId), broadcast: (type, message) => this.broadcast(type, message) });
    mountChatCommands(this, {
      matchId, writer, ledger: () => this.parts.ledger, typing: this.parts.typing,
      memberOf: (client) => this.parts.memberOf(client),
      isHidden: (userId) => this.parts.hiddenMembers.has(userId),
      sentBefore: (userId) => this.parts.ledger.hasSent(userId),
      sending: (senderId, clientMessageId, client, write) => this.parts.origins.during(senderId, clientMessageId, client, write),
      sendFrom: (sender, type, message, except) => this.sendFrom(sender, type, message, except),
    });
  }

  override async onJoin(client: Client, _options: unknown, auth: ChatAuth): Promise<void> {
    // Whatever route brought the caller here: admitted to this match, and a member of it (a colleague just added is taken in first; one on their way out is not).
    const member = auth?.matchId === this.parts.matchId && !this.parts.closed && (this.parts.membership.holds(auth.userId) || ((await this.parts.membership.admit(auth.userId)) && this.parts.membership.holds(auth.userId)));
    if (this.parts.closed) throw ActorRoom.joinRefused(ErrorCode.THREAD_CLOSED, 'this thread is closed');
    if (!member) throw ActorRoom.joinRefused(ErrorCode.NOT_A_MEMBER, 'only the members of a match open its thread');
    this.admitWithinLimit(client, auth);
    // No await from here: every message committed after this line reaches this client live.
    this.parts.members.set(client.sessionId, { userId: auth.userId, joinedAtSeq: this.parts.ledger.lastSeq });
    roomServices().metrics.connections.inc();
    const ready: ThreadReadyMessage = {
      matchId: this.parts.matchId,
      lastSeq: this.parts.ledger.lastSeq,
      // A shadow-banned member's reading shows to nobody else.
      readMarkers: this.parts.ledger.readMarkers().filter((m) => m.userId === auth.userId || !this.parts.hiddenMembers.has(m.userId)),
      unread: this.parts.ledger.unread(auth.userId),
      members: this.parts.ledger.memberList(),
      node: roomServices().nodeId(),
    };
    this.sendReady(client, ChatEventType.READY, ready);
  }

  override onLeave(client: Client): void {
    this.lingerWhenEmpty();
    const member = this.parts.members.get(client.sessionId);
    if (!member) return;
    roomServices().metrics.connections.dec();
    this.parts.members.delete(client.sessionId);
    // The member's last connection left while "typing": the others hear it stop.
    if (this.parts.typing.get(member.userId)?.active && this.clientsOf(member.userId).every((c) => c === client)) {
      this.parts.typing.delete(member.userId);
      this.broadcast(ChatEventType.TYPING, { userId: member.userId, active: false } satisfies TypingMessage);
    }
  }

  /** Colyseus awaits this, and a stopping node awaits its actors: messages in flight are stored before the database closes. */
  override async onDispose(): Promise<void> {
    this.parts.unsubscribe?.();
    this.actorGone();
    await this.parts.writer?.idle();
  }

  private onStored(messages: readonly ThreadMessage[], events: readonly StoredUserEvent[]): void {
    const services = roomServices();
    this.parts.ledger.commit(messages);
    for (const { hidden, ...message } of messages) {
      this.sendFrom({ userId: message.senderId, hidden }, ChatEventType.MESSAGE, message satisfies StoredMessage, this.parts.origins.of(message));
      // Read at once by whoever has the thread open, as anyone's message would be: to its sender's own connections only.
      if (hidden) for (const read of seemingReads(message.senderId, message.seq, this.parts.connectedUserIds())) this.sendToUser(message.senderId, ChatEventType.READ, read satisfies ReadMarker);
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
    const thread = await services.threads.load(this.parts.matchId);
    if (!thread || thread.status !== 'active') {
      this.closeThread(threadEndOf(thread));
      return [];
    }
    const from = this.parts.ledger.lastSeq;
    services.logger.warn({ matchId: this.parts.matchId, from, to: thread.lastSeq }, 'thread reloaded from storage');
    for (const userId of this.parts.connectedUserIds()) if (!thread.members.some((m) => m.userId === userId)) this.parts.membership.depart(userId);
    if (thread.lastSeq > from) await deliverStored(this.parts.matchId, [...this.parts.members.values()], { afterSeq: from, upToSeq: thread.lastSeq }, (userId, message) => this.sendToUser(userId, ChatEventType.MESSAGE, message));
    this.parts.ledger = new ThreadLedger(thread.lastSeq, thread.members);
    this.parts.hiddenMembers = new Set(thread.hiddenMemberIds);
    return thread.recent;
  }

  /** Signals published while Redis was away never came: what they carried is read from storage (`threadRecheck.ts`). */
  override onClusterRejoined(missedSince: number): void {
    recheckThread(this.parts.matchId, this.parts.ledger.memberList(), this.parts.connectedUserIds(), missedSince)
      .then((found) => {
        if (found.closed) return this.closeThread(found.closed);
        this.parts.hiddenMembers = new Set(found.hiddenMemberIds);
        for (const signal of found.missed) this.onSignal(signal);
      })
      .catch((error: unknown) => this.warn(error, 'reading the thread again after Redis came back failed'));
  }

  private onSignal(signal: ThreadSignal): void {
    switch (signal.kind) {
      case 'closed':
        return this.closeThread(signal);
      case 'standing':
        if (signal.shadowBanned) this.parts.hiddenMembers.add(signal.userId);
        else this.parts.hiddenMembers.delete(signal.userId);
        return;
      case 'erased':
        return this.broadcast(ChatEventType.DELETED, { seq: signal.seq });
      case 'revoked':
        // A banned member's connections go at once; the others stay.
        for (const client of this.clientsOf(signal.userId)) client.leave(KismetCloseCode.SESSION_REVOKED);
        return;
      case 'member.added':
        return void this.parts.membership.admit(signal.userId).catch((error: unknown) => this.warn(error, 'colleague not taken in; their join does it'));
      case 'member.removed':
        return this.parts.membership.depart(signal.userId);
      default: {
        const unknown: never = signal;
        this.warn(unknown, 'unknown thread signal');
      }
    }
  }

  /** The match ended: refuse what is waiting, tell every device why (a block only to whoever made it), and go. */
  private closeThread(end: ThreadEnd): void {
    if (this.parts.closed) return;
    this.parts.closed = true;
    this.parts.writer?.close(new AppError(ErrorCode.THREAD_CLOSED, 'this thread is closed'));
    for (const userId of this.parts.connectedUserIds()) this.sendToUser(userId, ChatEventType.CLOSED, { matchId: this.parts.matchId, code: endCodeSeenBy(end, userId) } satisfies ThreadClosedMessage);
    // Let the broadcast leave before the sockets close.
    setTimeout(() => void this.disconnect(KismetCloseCode.THREAD_CLOSED).catch((error: unknown) => this.warn(error, 'closing a closed thread failed')), 50);
  }

  private warn(error: unknown, message: string): void {
    roomServices().logger.warn({ err: error, matchId: this.parts.matchId }, message);
  }
}
