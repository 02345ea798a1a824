import type { AuthContext, Client } from '@colyseus/core';
import type { StoredUserEvent } from '../../db/repositories/eventRepository';
import { AppError, ErrorCode } from '../../domain/errors';
import { presenceAfterDisconnect, presenceOnConnect } from '../../domain/presence';
import { bodyOf, deliveryStartSeq, UserEventType, type UserEventBody } from '../../domain/userEvents';
import { KismetCloseCode } from '../../contracts/common';
import { SessionEventType, SessionJoinOptions, type DevicesChangedMessage, type SessionReadyMessage, type UserEventMessage } from '../../contracts/session';
import type { UserBusMessage } from '../../services/topicBus';
import { ActorRoom } from '../actorRoom';
import { roomServices } from '../roomServices';
import { CallDesk } from './callDesk';
import { DeckDesk } from './deckDesk';
import { LocationDesk } from './locationDesk';
import { ProfileViews } from './profileViews';
import { mountSessionCommands } from './sessionCommands';
import { SessionDevices } from './sessionDevices';
import { SessionPresence } from './sessionPresence';

interface SessionAuth {
  readonly userId: string;
  readonly deviceId: string;
}

/**
 * `session:<userId>`: the one actor of a user, joined by every device of theirs.
 * Holds which devices are online and delivers the user's event stream to each;
 * its parts keep presence, location and lobby place, decks, profile views and calls.
 */
export class SessionRoom extends ActorRoom {
  private userId = '';
  private devices!: SessionDevices;
  private unsubscribe: (() => void) | undefined;
  private userPresence!: SessionPresence;
  private location!: LocationDesk;
  private decks!: DeckDesk;
  private calls!: CallDesk;

  /** Runs in matchmaking, before any actor exists: nobody creates or joins a session that is not theirs. */
  static override async onAuth(token: string, rawOptions: unknown, _context: AuthContext): Promise<SessionAuth> {
    const { userId, options } = await ActorRoom.admitCaller(token, rawOptions, SessionJoinOptions);
    if (options.userId !== userId) {
      throw new AppError(ErrorCode.NOT_YOUR_SESSION, 'a user can join only their own session');
    }
    // An access token outlives a ban by up to its lifetime: the account itself is asked.
    const status = await roomServices().sessions.accountStatus(userId);
    if (status === undefined || status === 'banned') throw new AppError(ErrorCode.ACCOUNT_BANNED, 'this account is banned');
    return { userId, deviceId: options.deviceId };
  }

  override async onCreate(options: { userId: string }): Promise<void> {
    this.userId = options.userId;
    this.becomeActor('session', options.userId);
    const services = roomServices();
    this.devices = new SessionDevices(this.userId);
    this.userPresence = new SessionPresence(this.userId);
    this.decks = new DeckDesk(this.userId);
    this.location = new LocationDesk(this.userId, {
      state: () => ({ online: this.devices.size > 0, hidden: this.userPresence.shadowBanned }),
      onMoved: () => this.decks.invalidate(),
      onLobbyChanged: (data) => this.sendToDevices({ type: UserEventType.LOBBY_CHANGED, data }),
    });
    this.calls = new CallDesk(services, this.userId, (error) => services.logger.warn({ err: error, userId: this.userId }, 'call timeout failed'));

    // Subscribed before any device joins, so nothing published from here on is missed;
    // what was published before is in storage, where each device starts.
    this.unsubscribe = await services.userEvents.subscribe(this.userId, (message) => this.onBusMessage(message));
    const start = await services.sessions.sessionStart(this.userId);
    this.userPresence.begin(start);
    this.location.begin(start.location);
    mountSessionCommands(this, {
      userId: this.userId,
      presence: this.userPresence,
      location: this.location,
      decks: this.decks,
      views: new ProfileViews(this.userId, (events) => this.dispatch(events)),
      calls: this.calls,
      feedOf: (client) => this.devices.feedOf(client),
      dispatch: (events) => this.dispatch(events),
    });
  }

  override async onJoin(client: Client, _options: unknown, auth: SessionAuth): Promise<void> {
    // Whatever route brought the caller here, only the session's own user joins it.
    if (auth?.userId !== this.userId) throw ActorRoom.joinRefused(ErrorCode.NOT_YOUR_SESSION, 'a user can join only their own session');
    const services = roomServices();
    services.metrics.connections.inc();
    // The feed exists before the first await, so live events for this device are held from now on.
    const feed = this.devices.add(client, auth.deviceId);
    const position = await services.sessions.streamPosition(this.userId, auth.deviceId);
    await this.userPresence.change(presenceOnConnect(this.userPresence.status));
    const ready: SessionReadyMessage = {
      userId: this.userId,
      deviceId: auth.deviceId,
      presence: this.userPresence.status,
      devices: this.devices.list(),
      node: services.nodeId(),
      latestSeq: position.latestSeq,
      cell: this.location.location?.h3Cell ?? null,
    };
    this.sendReady(client, SessionEventType.READY, ready);
    this.broadcastDevices(client);
    feed.start(deliveryStartSeq(position.ackedSeq, position.latestSeq), position.latestSeq);
    this.placeInLobby();
  }

  override async onLeave(client: Client): Promise<void> {
    this.lingerWhenEmpty();
    // Colyseus calls this for a join that onJoin refused too: that client was never a device here.
    if (!this.devices.remove(client)) return;
    roomServices().metrics.connections.dec();
    await this.userPresence.change(presenceAfterDisconnect(this.userPresence.status, this.devices.size));
    this.broadcastDevices();
    this.placeInLobby();
  }

  override onDispose(): void {
    this.unsubscribe?.();
    this.calls?.close();
    this.location?.close();
    this.actorGone();
  }

  /** Events published while Redis was away never came: each device reads what storage holds past what it was sent. */
  override onClusterRejoined(): void {
    this.devices.catchUp();
  }

  /** Hands stored events to their users' sessions: this one directly, the others through the bus. */
  private dispatch(events: readonly StoredUserEvent[]): void {
    const bus = roomServices().userEvents;
    for (const event of events) {
      if (event.userId === this.userId) this.onBusMessage({ kind: 'stored', event });
      else bus.publish(event.userId, { kind: 'stored', event });
    }
  }

  private onBusMessage(message: UserBusMessage): void {
    switch (message.kind) {
      case 'revoked':
        // Banned: every device goes at once, and cannot come back (onAuth refuses).
        this.disconnect(KismetCloseCode.SESSION_REVOKED).catch((error: unknown) => this.warn(error, 'closing a banned session failed'));
        return;
      case 'standing':
        // Counted, or no longer, in "nearby now" at once.
        if (this.userPresence.changeStanding(message.shadowBanned)) this.location.renew();
        return;
      case 'deck.invalidate':
        this.decks.invalidate();
        return;
      case 'deck.exclude':
        this.decks.excludeOwner(message.userId);
        return;
      case 'ephemeral':
        this.sendToDevices(bodyOf(message));
        return;
      case 'stored': {
        const { event } = message;
        if (event.type === UserEventType.MATCH_CREATED) this.userPresence.matched(event.data.otherUserId);
        else if (event.type === UserEventType.MATCH_ENDED) this.userPresence.unmatched(event.data.otherUserIds);
        this.devices.offer(event);
        return;
      }
      default: {
        const unknown: never = message;
        this.warn(unknown, 'unknown bus message');
      }
    }
  }

  /** An ephemeral event to every device online now. */
  private sendToDevices(body: UserEventBody): void {
    const event: UserEventMessage = { ...body, seq: null, at: roomServices().now().getTime() };
    this.broadcast(SessionEventType.EVENT, event);
  }

  private placeInLobby(): void {
    this.location.place().catch((error: unknown) => this.warn(error, 'lobby placement failed; renewal retries'));
  }

  private warn(error: unknown, message: string): void {
    roomServices().logger.warn({ err: error, userId: this.userId }, message);
  }

  private broadcastDevices(except?: Client): void {
    const message: DevicesChangedMessage = { devices: this.devices.list() };
    this.broadcast(SessionEventType.DEVICES_CHANGED, message, except ? { except } : undefined);
  }
}
