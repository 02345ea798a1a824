import type { AuthContext, Client } from '@colyseus/core';
import { isBlockedEitherWay } from '../db/repositories/blockRepository';
import { findCardById } from '../db/repositories/cardRepository';
import { appendUserEvents, findStreamPosition, listEventsAfter, saveDeviceCursor, type StoredUserEvent } from '../db/repositories/eventRepository';
import { listMatchCounterparts } from '../db/repositories/matchRepository';
import { findUserById, updatePresence, updateUserLocation } from '../db/repositories/userRepository';
import { canReadCard } from '../domain/cardRules';
import { AppError, ErrorCode } from '../domain/errors';
import { cellForLocation } from '../domain/geo';
import { presenceAfterDisconnect, presenceOnConnect, type PresenceStatus } from '../domain/presence';
import { deliveryStartSeq, shouldNotifyProfileView, UserEventType } from '../domain/userEvents';
import { toCardView } from '../server/http/cardContracts';
import { actorRoomId } from './actorIdentity';
import { mountCommands } from './commandRouter';
import { ActorRoom } from './actorRoom';
import {
  SessionCommands,
  SessionEventType,
  SessionJoinOptions,
  type DeviceInfo,
  type DevicesChangedMessage,
  type MatchCreatedData,
  type MatchEndedData,
  type SessionReadyMessage,
  type UserEventMessage,
} from './contracts/sessionContracts';
import { KismetCloseCode } from './contracts/common';
import { DeviceEventFeed } from './deviceEventFeed';
import { roomServices } from './roomServices';
import { spendOrRefuse } from './rateLimiter';
import { SerialQueue } from './serialQueue';
import { rewind, swipe, type SwipeMemory } from './swipeCommands';
import type { UserBusMessage } from './topicBus';

interface SessionAuth {
  readonly userId: string;
  readonly deviceId: string;
}

interface Device {
  readonly info: DeviceInfo;
  readonly feed: DeviceEventFeed;
}

/** Profile views remembered for de-duplication, at most. */
const PROFILE_VIEW_MEMORY = 1000;

/**
 * `session:<userId>`: the one actor of a user, joined by every device of theirs.
 * Holds which devices are online, the user's presence, and their event stream;
 * takes swipes, location updates and profile views.
 */
export class SessionRoom extends ActorRoom {
  private userId = '';
  private presenceStatus: PresenceStatus = 'offline';
  private readonly devices = new Map<string, Device>(); // by Colyseus sessionId
  private readonly counterparts = new Set<string>();
  private readonly swipes = new SerialQueue();
  private readonly swipeMemory: SwipeMemory = { rewoundSinceLastSwipe: false };
  private readonly profileViewsNotified = new Map<string, number>();
  private unsubscribe: (() => void) | undefined;

  /** Runs in matchmaking, before any actor exists: nobody creates or joins a session that is not theirs. */
  static override async onAuth(token: string, rawOptions: unknown, _context: AuthContext): Promise<SessionAuth> {
    const { userId, options } = await ActorRoom.admit(token, rawOptions, SessionJoinOptions);
    if (options.userId !== userId) {
      throw new AppError(ErrorCode.NOT_YOUR_SESSION, 'a user can join only their own session');
    }
    // An access token outlives a ban by up to its lifetime: the account itself is asked.
    const user = await findUserById(roomServices().db, userId);
    if (!user || user.status === 'banned') throw new AppError(ErrorCode.ACCOUNT_BANNED, 'this account is banned');
    return { userId, deviceId: options.deviceId };
  }

  override async onCreate(options: { userId: string }): Promise<void> {
    this.userId = options.userId;
    this.roomId = actorRoomId('session', options.userId);
    this.maxClients = Number.POSITIVE_INFINITY;
    this.messageOnly();
    const services = roomServices();
    services.metrics.rooms.inc({ kind: 'session' });

    // Subscribed before any device joins, so nothing published from here on is missed;
    // what was published before is in storage, where each device starts.
    this.unsubscribe = await services.userEvents.subscribe(this.userId, (message) => this.onBusMessage(message));
    for (const id of await listMatchCounterparts(services.db, this.userId)) this.counterparts.add(id);

    mountCommands(this, 'session', services, SessionCommands, {
      heartbeat: () => ({ serverTime: services.now().getTime() }),
      'presence.set': async (_client, payload) => {
        await this.changePresence(payload.status);
        return { presence: this.presenceStatus };
      },
      swipe: (_client, payload) =>
        this.swipes.run(async () => {
          await spendOrRefuse(services.rateLimits, 'swipe', this.userId);
          const outcome = await swipe(services, this.userId, payload, this.swipeMemory);
          this.dispatch(outcome.events);
          return outcome.result;
        }),
      rewind: () => this.swipes.run(() => rewind(services, this.userId, this.swipeMemory)),
      'location.update': async (_client, payload) => {
        const h3Cell = cellForLocation(payload.lat, payload.lng, services.matching.h3Resolution);
        await updateUserLocation(services.db, this.userId, { lat: payload.lat, lng: payload.lng, h3Cell });
        return { h3Cell };
      },
      'profile.view': (_client, payload) => this.viewProfile(payload.cardId),
      'events.ack': async (client, payload) => {
        const device = this.devices.get(client.sessionId);
        if (!device) throw new AppError(ErrorCode.NOT_FOUND, 'this device is not joined');
        // A device cannot acknowledge what it was never sent.
        const ackedSeq = Math.min(payload.seq, device.feed.delivered);
        await saveDeviceCursor(services.db, this.userId, device.info.deviceId, ackedSeq, services.now());
        return { ackedSeq };
      },
    });
  }

  override async onJoin(client: Client, _options: unknown, auth: SessionAuth): Promise<void> {
    const services = roomServices();
    services.metrics.connections.inc();
    // The feed exists before the first await, so live events for this device are held from now on.
    const feed = new DeviceEventFeed(
      { fetchAfter: (afterSeq, limit) => listEventsAfter(services.db, this.userId, afterSeq, limit) },
      (event) => this.sendEvent(client, event),
      (error) => {
        services.logger.error({ err: error, userId: this.userId }, 'event feed failed; the device reconnects and resumes');
        client.leave();
      },
    );
    this.devices.set(client.sessionId, { info: { deviceId: auth.deviceId, connectedAt: services.now().getTime() }, feed });
    const position = await findStreamPosition(services.db, this.userId, auth.deviceId);
    await this.changePresence(presenceOnConnect(this.presenceStatus));
    const ready: SessionReadyMessage = {
      userId: this.userId,
      deviceId: auth.deviceId,
      presence: this.presenceStatus,
      devices: this.deviceList(),
      node: services.nodeId(),
      latestSeq: position.latestSeq,
    };
    client.send(SessionEventType.READY, ready);
    this.broadcastDevices(client);
    feed.start(deliveryStartSeq(position.ackedSeq, position.latestSeq));
  }

  override async onLeave(client: Client): Promise<void> {
    const services = roomServices();
    services.metrics.connections.dec();
    this.devices.get(client.sessionId)?.feed.close();
    this.devices.delete(client.sessionId);
    await this.changePresence(presenceAfterDisconnect(this.presenceStatus, this.devices.size));
    this.broadcastDevices();
  }

  override onDispose(): void {
    this.unsubscribe?.();
    roomServices().metrics.rooms.dec({ kind: 'session' });
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
    if (message.kind === 'revoked') {
      // Banned: every device goes at once, and cannot come back (onAuth refuses).
      this.disconnect(KismetCloseCode.SESSION_REVOKED).catch(() => undefined);
      return;
    }
    if (message.kind === 'ephemeral') {
      const event: UserEventMessage = { seq: null, type: message.type, data: message.data, at: roomServices().now().getTime() };
      this.broadcast(SessionEventType.EVENT, event);
      return;
    }
    if (message.event.type === UserEventType.MATCH_CREATED) {
      this.counterparts.add((message.event.data as unknown as MatchCreatedData).otherUserId);
    } else if (message.event.type === UserEventType.MATCH_ENDED) {
      // Presence stops going to people this user no longer matches with.
      for (const other of (message.event.data as unknown as MatchEndedData).otherUserIds) this.counterparts.delete(other);
    }
    for (const device of this.devices.values()) device.feed.offer(message.event);
  }

  private sendEvent(client: Client, event: StoredUserEvent): void {
    const message: UserEventMessage = { seq: event.seq, type: event.type as UserEventType, data: event.data, at: event.at };
    client.send(SessionEventType.EVENT, message);
    roomServices().metrics.messagesOut.inc({ kind: 'session', type: SessionEventType.EVENT });
  }

  private async viewProfile(cardId: string) {
    const services = roomServices();
    const card = await findCardById(services.db, cardId);
    if (!card || !canReadCard(card, this.userId) || (card.ownerId !== this.userId && (await isBlockedEitherWay(services.db, this.userId, card.ownerId)))) {
      throw new AppError(ErrorCode.CARD_NOT_FOUND, 'no such card');
    }
    const nowMs = services.now().getTime();
    const notify = shouldNotifyProfileView({ viewerId: this.userId, ownerId: card.ownerId, lastNotifiedMs: this.profileViewsNotified.get(card.id), nowMs });
    // Under overload the view is still answered; only the owner's notice is dropped.
    if (notify && !services.shouldShed('profile.viewed')) {
      if (this.profileViewsNotified.size >= PROFILE_VIEW_MEMORY) this.profileViewsNotified.clear();
      this.profileViewsNotified.set(card.id, nowMs);
      const events = await appendUserEvents(services.db, card.ownerId, [
        { userId: card.ownerId, type: UserEventType.PROFILE_VIEWED, data: { cardId: card.id, viewerId: this.userId } },
      ]);
      this.dispatch(events);
    }
    return toCardView(card);
  }

  private async changePresence(next: PresenceStatus): Promise<void> {
    if (next === this.presenceStatus) return;
    this.presenceStatus = next;
    const services = roomServices();
    const at = services.now();
    await updatePresence(services.db, this.userId, next, at);
    for (const other of this.counterparts) {
      services.userEvents.publish(other, {
        kind: 'ephemeral',
        type: UserEventType.PRESENCE_CHANGED,
        data: { userId: this.userId, presence: next, lastSeenAt: at.getTime() },
      });
    }
  }

  private deviceList(): DeviceInfo[] {
    return [...this.devices.values()].map((d) => d.info);
  }

  private broadcastDevices(except?: Client): void {
    const message: DevicesChangedMessage = { devices: this.deviceList() };
    this.broadcast(SessionEventType.DEVICES_CHANGED, message, except ? { except } : undefined);
  }
}
