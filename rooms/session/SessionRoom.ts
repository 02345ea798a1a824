import type { AuthContext, Client } from '@colyseus/core';
import type { StoredUserEvent } from '../../db/repositories/eventRepository';
import { AppError, ErrorCode } from '../../domain/errors';
import { presenceAfterDisconnect, presenceOnConnect } from '../../domain/presence';
import { bodyOf, deliveryStartSeq, UserEventType, type UserEventBody } from '../../domain/userEvents';
import { KismetCloseCode } from '../../contracts/common';
import { SessionEventType, SessionJoinOptions, type DevicesChangedMessage, type SessionReadyMessage, type UserEventMessage } from '../../contracts/session';
import type { UserBusMessage } from '../../services/topicBus';
import { refuseClosedAccount } from '../accountStanding';
import { ActorRoom, type SeatHolder } from '../actorRoom';
import { roomServices } from '../roomServices';
import { CallDesk } from './callDesk';
import { DeckDesk } from './deckDesk';
import { LocationDesk } from './locationDesk';
import { ProfileViews } from './profileViews';
import { mountSessionCommands, type SessionParts } from './sessionCommands';
import { SessionDevices } from './sessionDevices';
import { SessionPresence } from './sessionPresence';

interface SessionAuth extends SeatHolder {
  readonly deviceId: string;
}

/** What a session is made of besides Colyseus's room: the parts its commands act on, its devices and its subscription. */
interface OwnParts extends SessionParts {
  readonly devices: SessionDevices;
  unsubscribe: (() => void) | undefined;
}

/**
 * `session:<userId>`: the one actor of a user, joined by every device of theirs.
 * Holds which devices are online and delivers the user's event stream to each;
 * its parts keep presence, location and lobby place, decks, profile views and calls.
 */
export class SessionRoom extends ActorRoom {
  /** Made in onCreate; one field for all of them (see ActorRoom on a room's own properties). */
  private parts!: OwnParts;

  /** Runs in matchmaking, before any actor exists: nobody creates or joins a session that is not theirs. */
  static override async onAuth(token: string, rawOptions: unknown, _context: AuthContext): Promise<SessionAuth> {
    const { userId, options, seatToken } = await ActorRoom.admitCaller(token, rawOptions, SessionJoinOptions);
    if (options.userId !== userId) {
      throw new AppError(ErrorCode.NOT_YOUR_SESSION, 'a user can join only their own session');
    }
    await refuseClosedAccount(userId);
    return { userId, seatToken, deviceId: options.deviceId };
  }

  override async onCreate(options: { userId: string }): Promise<void> {
    const { userId } = options;
    this.becomeActor('session', userId);
    const services = roomServices();
    const devices = new SessionDevices(userId);
    const presence = new SessionPresence(userId);
    const decks = new DeckDesk(userId);
    const location = new LocationDesk(userId, {
      state: () => ({ online: devices.size > 0, hidden: presence.shadowBanned }),
      onMoved: () => decks.invalidate(),
      onLobbyChanged: (data) => this.sendToDevices({ type: UserEventType.LOBBY_CHANGED, data }),
    });
    const calls = new CallDesk(services, userId, (error) => services.logger.warn({ err: error, userId }, 'call timeout failed'));
    const dispatch = (events: readonly StoredUserEvent[]) => this.dispatch(events);
    this.parts = {
      userId, devices, presence, location, decks, calls, dispatch,
      views: new ProfileViews(userId, dispatch),
      feedOf: (client) => devices.feedOf(client),
      unsubscribe: undefined,
    };

    // Subscribed before any device joins, so nothing published from here on is missed;
    // what was published before is in storage, where each device starts.
    this.parts.unsubscribe = await services.userEvents.subscribe(userId, this.heardOnceListed((message: UserBusMessage) => this.onBusMessage(message)));
    const start = await services.sessions.sessionStart(userId);
    presence.begin(start);
    location.begin(start.location);
    mountSessionCommands(this, this.parts);
  }

  override async onJoin(client: Client, _options: unknown, auth: SessionAuth): Promise<void> {
    // Whatever route brought the caller here, only the session's own user joins it.
    if (auth?.userId !== this.parts.userId) throw ActorRoom.joinRefused(ErrorCode.NOT_YOUR_SESSION, 'a user can join only their own session');
    this.admitWithinLimit(client, auth, this.parts.devices.size); // every connection here is theirs
    const services = roomServices();
    services.metrics.connections.inc();
    // The feed exists before the first await, so live events for this device are held from now on.
    const feed = this.parts.devices.add(client, auth.deviceId);
    const position = await services.sessions.streamPosition(this.parts.userId, auth.deviceId);
    await this.parts.presence.change(presenceOnConnect(this.parts.presence.status));
    const ready: SessionReadyMessage = {
      userId: this.parts.userId,
      deviceId: auth.deviceId,
      presence: this.parts.presence.status,
      devices: this.parts.devices.list(),
      node: services.nodeId(),
      latestSeq: position.latestSeq,
      cell: this.parts.location.location?.h3Cell ?? null,
    };
    this.sendReady(client, SessionEventType.READY, ready);
    this.broadcastDevices(client);
    feed.start(deliveryStartSeq(position.ackedSeq, position.latestSeq), position.latestSeq);
    this.placeInLobby();
  }

  override async onLeave(client: Client): Promise<void> {
    this.lingerWhenEmpty();
    // Colyseus calls this for a join that onJoin refused too: that client was never a device here.
    if (!this.parts.devices.remove(client)) return;
    roomServices().metrics.connections.dec();
    await this.parts.presence.change(presenceAfterDisconnect(this.parts.presence.status, this.parts.devices.size));
    this.broadcastDevices();
    this.placeInLobby();
  }

  override onDispose(): void {
    // parts is undefined when onCreate failed before making them.
    this.parts?.unsubscribe?.();
    this.parts?.calls.close();
    this.parts?.location.close();
    this.actorGone();
  }

  /** What was published while Redis was away never came: devices' events, decks and the account come from storage again. */
  override onClusterRejoined(): void {
    this.parts.devices.catchUp();
    this.parts.decks.invalidate();
    this.recheckAccount().catch((error: unknown) => this.warn(error, 'reading the account again after Redis came back failed'));
  }

  /** A ban closes every device, as if heard; otherwise who hears of the user's presence, and whether anyone does, is read again. */
  private async recheckAccount(): Promise<void> {
    const { sessions } = roomServices();
    const [status, start] = await Promise.all([sessions.accountStatus(this.parts.userId), sessions.sessionStart(this.parts.userId)]);
    if (status !== 'active') return this.onBusMessage({ kind: 'revoked' });
    if (this.parts.presence.reconcile(start)) this.parts.location.renew();
  }

  /** Hands stored events to their users' sessions: this one directly, the others through the bus. */
  private dispatch(events: readonly StoredUserEvent[]): void {
    const bus = roomServices().userEvents;
    for (const event of events) {
      if (event.userId === this.parts.userId) this.onBusMessage({ kind: 'stored', event });
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
        if (this.parts.presence.changeStanding(message.shadowBanned)) this.parts.location.renew();
        return;
      case 'deck.invalidate':
        this.parts.decks.invalidate();
        return;
      case 'deck.exclude':
        this.parts.decks.excludeOwner(message.userId);
        return;
      case 'ephemeral':
        this.sendToDevices(bodyOf(message));
        return;
      case 'stored': {
        const { event } = message;
        if (event.type === UserEventType.MATCH_CREATED) this.parts.presence.matched(event.data.otherUserId);
        else if (event.type === UserEventType.MATCH_ENDED) this.parts.presence.unmatched(event.data.otherUserIds);
        this.parts.devices.offer(event);
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
    this.parts.location.place().catch((error: unknown) => this.warn(error, 'lobby placement failed; renewal retries'));
  }

  private warn(error: unknown, message: string): void {
    roomServices().logger.warn({ err: error, userId: this.parts.userId }, message);
  }

  private broadcastDevices(except?: Client): void {
    const message: DevicesChangedMessage = { devices: this.parts.devices.list() };
    this.broadcast(SessionEventType.DEVICES_CHANGED, message, except ? { except } : undefined);
  }
}
