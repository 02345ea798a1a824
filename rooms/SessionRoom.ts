import type { AuthContext, Client } from '@colyseus/core';
import { isBlockedEitherWay } from '../db/repositories/blockRepository';
import { findCardById } from '../db/repositories/cardRepository';
import { appendUserEvents, findStreamPosition, listEventsAfter, saveDeviceCursor, type StoredUserEvent } from '../db/repositories/eventRepository';
import { listMatchCounterparts } from '../db/repositories/matchRepository';
import { findPreferences } from '../db/repositories/preferenceRepository';
import { findUserById, findUserLocation, isHiddenAccount, isShadowBanned, updatePresence, updateUserLocation } from '../db/repositories/userRepository';
import { canReadCard, type Card } from '../domain/cardRules';
import type { DeckSearcher } from '../domain/deckFilters';
import { AppError, ErrorCode } from '../domain/errors';
import { cellForLocation } from '../domain/geo';
import { decideMove, discoveryPoint } from '../domain/locationPrivacy';
import { presenceAfterDisconnect, presenceOnConnect, type PresenceStatus } from '../domain/presence';
import { deliveryStartSeq, shouldNotifyProfileView, UserEventType } from '../domain/userEvents';
import { toCardView } from '../server/http/cardContracts';
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
import { DECK_DEFAULT_SIZE, type DeckCard, type DeckResult, type LobbyChangedData } from './contracts/deckContracts';
import { DeckCache } from './deckCache';
import { CallDesk } from './callCommands';
import { callLobby } from './lobbyClient';
import { LOBBY_RENEW_MS } from './LobbyRoom';
import { DeviceEventFeed } from './deviceEventFeed';
import { roomServices } from './roomServices';
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

/** What changed while a deck was being built, to take out of it before it is cached. */
interface DeckBuildWatch {
  readonly swiped: Set<string>;
  readonly excludedOwners: Set<string>;
  invalidated: boolean;
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
  /** Shadow-banned: the user's presence and profile views reach nobody. */
  private shadowBanned = false;
  private readonly devices = new Map<string, Device>(); // by Colyseus sessionId
  private readonly counterparts = new Set<string>();
  private readonly swipes = new SerialQueue();
  private readonly swipeMemory: SwipeMemory = { rewoundSinceLastSwipe: false };
  private readonly profileViewsNotified = new Map<string, number>();
  private unsubscribe: (() => void) | undefined;
  /** Where the user last said they are, and when (ms): their own searches start here. */
  private location: { lat: number; lng: number; h3Cell: string; atMs: number } | undefined;
  /** The lobby this session placed its user in; undefined while no device is online. */
  private lobbyCell: string | undefined;
  private readonly placement = new SerialQueue();
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly decks = new DeckCache();
  private readonly deckBuilds = new Set<DeckBuildWatch>();
  private calls!: CallDesk;

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
    this.becomeActor('session', options.userId);
    const services = roomServices();

    // Subscribed before any device joins, so nothing published from here on is missed;
    // what was published before is in storage, where each device starts.
    this.unsubscribe = await services.userEvents.subscribe(this.userId, (message) => this.onBusMessage(message));
    for (const id of await listMatchCounterparts(services.db, this.userId)) this.counterparts.add(id);
    this.shadowBanned = await isShadowBanned(services.db, this.userId);
    this.location = await findUserLocation(services.db, this.userId);
    this.calls = new CallDesk(services, this.userId, (error) => services.logger.warn({ err: error, userId: this.userId }, 'call timeout failed'));
    const callView = (call: { id: string; state: string; endReason: string | null }) => ({ callId: call.id, state: call.state, reason: call.endReason });
    this.renewTimer = setInterval(() => this.renewLobbyPlace(), LOBBY_RENEW_MS);

    mountCommands(this, 'session', services, SessionCommands, {
      heartbeat: () => ({ serverTime: services.now().getTime() }),
      'presence.set': async (_client, payload) => {
        await this.changePresence(payload.status);
        return { presence: this.presenceStatus };
      },
      swipe: (_client, payload) =>
        this.swipes.run(async () => {
          const outcome = await swipe(services, this.userId, payload, this.swipeMemory);
          // Swiped away: out of every deck of this user's now, cached or being built.
          this.decks.removeCard(payload.toCardId);
          for (const build of this.deckBuilds) build.swiped.add(payload.toCardId);
          this.dispatch(outcome.events);
          return outcome.result;
        }),
      rewind: () => this.swipes.run(() => rewind(services, this.userId, this.swipeMemory)),
      'location.update': async (_client, payload) => {
        const at = services.now();
        const move = decideMove(this.location, payload, at.getTime());
        if (move.kind === 'implausible') {
          throw new AppError(ErrorCode.LOCATION_IMPLAUSIBLE, 'nobody travels that fast; the location stays where it was', { retryAfterMs: move.retryAfterMs });
        }
        const h3Cell = cellForLocation(payload.lat, payload.lng, services.matching.h3Resolution);
        // Others see the person card at the centre of its privacy cell, never here.
        const shown = discoveryPoint(payload);
        await updateUserLocation(services.db, this.userId, {
          exact: { lat: payload.lat, lng: payload.lng, h3Cell },
          shown: { ...shown, h3Cell: cellForLocation(shown.lat, shown.lng, services.matching.h3Resolution) },
          at,
        });
        this.location = { lat: payload.lat, lng: payload.lng, h3Cell, atMs: at.getTime() };
        this.invalidateDecks();
        // Answered once the user is in the lobby of the new cell (or it failed, and renewal retries).
        await this.placeInLobby().catch((error: unknown) => services.logger.warn({ err: error, cell: h3Cell }, 'lobby placement failed'));
        return { h3Cell };
      },
      'profile.view': (_client, payload) => this.viewProfile(payload.cardId),
      deck: (_client, payload) => this.deck(payload.cardId, payload.limit ?? DECK_DEFAULT_SIZE),
      'call.start': (_client, payload) => this.calls.start(payload.matchId, payload.media),
      'call.accept': (_client, payload) => this.calls.accept(payload.callId),
      'call.decline': async (_client, payload) => callView(await this.calls.act(payload.callId, { kind: 'decline', by: this.userId })),
      'call.cancel': async (_client, payload) => callView(await this.calls.act(payload.callId, { kind: 'cancel', by: this.userId })),
      'call.end': async (_client, payload) => callView(await this.calls.act(payload.callId, { kind: 'hang_up', by: this.userId })),
      'call.token': (_client, payload) => this.calls.token(payload.callId),
      'events.ack': async (client, payload) => {
        const device = this.devices.get(client.sessionId);
        if (!device) throw new AppError(ErrorCode.NOT_FOUND, 'this device is not joined');
        // A device cannot acknowledge what it was never sent.
        const ackedSeq = Math.min(payload.seq, device.feed.delivered);
        await saveDeviceCursor(services.db, this.userId, device.info.deviceId, ackedSeq, services.now());
        return { ackedSeq };
      },
    }, {
      // Each of these costs other people something: a ring, a notice, a lobby actor, a deck build.
      actions: { swipe: 'swipe', 'location.update': 'location', deck: 'deck', 'profile.view': 'profile.view', 'presence.set': 'presence', 'call.start': 'call' },
      userOf: () => this.userId,
    });
  }

  override async onJoin(client: Client, _options: unknown, auth: SessionAuth): Promise<void> {
    // Whatever route brought the caller here, only the session's own user joins it.
    if (auth?.userId !== this.userId) throw ActorRoom.joinRefused(ErrorCode.NOT_YOUR_SESSION, 'a user can join only their own session');
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
      cell: this.location?.h3Cell ?? null,
    };
    client.send(SessionEventType.READY, ready);
    this.broadcastDevices(client);
    feed.start(deliveryStartSeq(position.ackedSeq, position.latestSeq));
    this.placeInLobby().catch(() => undefined);
  }

  override async onLeave(client: Client): Promise<void> {
    // Colyseus calls this for a join that onJoin refused too: that client was never a device here.
    const device = this.devices.get(client.sessionId);
    if (!device) return;
    const services = roomServices();
    services.metrics.connections.dec();
    device.feed.close();
    this.devices.delete(client.sessionId);
    await this.changePresence(presenceAfterDisconnect(this.presenceStatus, this.devices.size));
    this.broadcastDevices();
    this.placeInLobby().catch(() => undefined);
  }

  override onDispose(): void {
    this.unsubscribe?.();
    clearInterval(this.renewTimer);
    this.calls?.close();
    if (this.lobbyCell) callLobby(this.lobbyCell, 'leave', [this.userId]).catch(() => undefined); // or the place lapses
    this.actorGone();
  }

  /** Events published while Redis was away never came: each device reads what storage holds past what it was sent. */
  override onClusterRejoined(): void {
    for (const device of this.devices.values()) device.feed.catchUp();
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
    if (message.kind === 'standing') {
      this.changeStanding(message.shadowBanned);
      return;
    }
    if (message.kind === 'deck.invalidate') {
      this.invalidateDecks();
      return;
    }
    if (message.kind === 'deck.exclude') {
      this.decks.removeOwner(message.userId);
      for (const build of this.deckBuilds) build.excludedOwners.add(message.userId);
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
    const hidden = async (ownerId: string) =>
      (await isBlockedEitherWay(services.db, this.userId, ownerId)) || (await isHiddenAccount(services.db, ownerId));
    if (!card || !canReadCard(card, this.userId) || (card.ownerId !== this.userId && (await hidden(card.ownerId)))) {
      throw new AppError(ErrorCode.CARD_NOT_FOUND, 'no such card');
    }
    const nowMs = services.now().getTime();
    const notify = shouldNotifyProfileView({ viewerId: this.userId, ownerId: card.ownerId, lastNotifiedMs: this.profileViewsNotified.get(card.id), nowMs });
    // Under overload the view is still answered; only the owner's notice is dropped.
    if (notify && !this.shadowBanned && !services.shouldShed('profile.viewed')) {
      if (this.profileViewsNotified.size >= PROFILE_VIEW_MEMORY) this.profileViewsNotified.clear();
      this.profileViewsNotified.set(card.id, nowMs);
      const events = await appendUserEvents(services.db, card.ownerId, [
        { userId: card.ownerId, type: UserEventType.PROFILE_VIEWED, data: { cardId: card.id, viewerId: this.userId } },
      ]);
      this.dispatch(events);
    }
    return toCardView(card);
  }

  /**
   * Puts the user in the lobby of their current cell while a device is online,
   * and in no lobby otherwise; one move at a time, so they are never in two.
   */
  private placeInLobby(): Promise<void> {
    return this.placement.run(async () => {
      const target = this.devices.size > 0 ? this.location?.h3Cell : undefined;
      const previous = this.lobbyCell;
      if (target === previous) return;
      if (previous) {
        this.lobbyCell = undefined;
        await callLobby(previous, 'leave', [this.userId]).catch((error: unknown) =>
          roomServices().logger.warn({ err: error, cell: previous }, 'lobby leave failed; the place lapses'),
        );
      }
      if (!target) return;
      await callLobby(target, 'enter', [this.userId, this.shadowBanned]);
      this.lobbyCell = target;
      const data: LobbyChangedData = { cell: target, previousCell: previous ?? null };
      const event: UserEventMessage = { seq: null, type: UserEventType.LOBBY_CHANGED, data: { ...data }, at: roomServices().now().getTime() };
      this.broadcast(SessionEventType.EVENT, event);
    });
  }

  private renewLobbyPlace(): void {
    // A place that failed before (a lobby on a dead node) is retried here too.
    (this.lobbyCell ? this.placement.run(() => callLobby(this.lobbyCell as string, 'enter', [this.userId, this.shadowBanned])) : this.placeInLobby())
      .catch((error: unknown) => roomServices().logger.warn({ err: error, cell: this.lobbyCell }, 'lobby renewal failed; retried next period'));
  }

  private invalidateDecks(): void {
    this.decks.clear();
    for (const build of this.deckBuilds) build.invalidated = true;
  }

  /** A deck for one of the user's cards: from the cache, or built by the lobby of where the search starts. */
  private async deck(cardId: string, limit: number): Promise<DeckResult> {
    const services = roomServices();
    const nowMs = services.now().getTime();
    const visible = (cards: readonly DeckCard[]) => cards.filter((c) => !services.withdrawn.has(c.card)).slice(0, limit);
    const cached = this.decks.get(cardId, limit, nowMs);
    if (cached) return { cardId, cards: visible(cached.cards), cached: true, builtAt: cached.builtAt, cell: cached.cell };

    const [card, preferences] = await Promise.all([findCardById(services.db, cardId), findPreferences(services.db, this.userId)]);
    if (!card) throw new AppError(ErrorCode.CARD_NOT_FOUND, 'no such card');
    if (card.ownerId !== this.userId) throw new AppError(ErrorCode.NOT_YOUR_CARD, 'a deck is asked for one of your own cards');
    if (!card.active) throw new AppError(ErrorCode.CARD_INACTIVE, 'this card is deactivated');
    const origin = this.searchOrigin(card);
    if (!origin) throw new AppError(ErrorCode.LOCATION_UNKNOWN, 'send location.update before asking for a deck');
    const searcher: DeckSearcher = { card, preferences, location: origin, year: new Date(nowMs).getUTCFullYear() };

    const watch: DeckBuildWatch = { swiped: new Set(), excludedOwners: new Set(), invalidated: false };
    this.deckBuilds.add(watch);
    try {
      const built = await callLobby<DeckCard[]>(origin.h3Cell, 'deck', [searcher, limit]);
      const cards = built.filter((c) => !watch.swiped.has(c.card.id) && !watch.excludedOwners.has(c.card.ownerId));
      if (!watch.invalidated) this.decks.put(cardId, { cards, builtAt: nowMs, cell: origin.h3Cell, limit });
      return { cardId, cards: visible(cards), cached: false, builtAt: nowMs, cell: origin.h3Cell };
    } finally {
      this.deckBuilds.delete(watch);
    }
  }

  /**
   * A person searches from where others see them (distances between two
   * people are between their privacy points); a job from where it is, if it says.
   */
  private searchOrigin(card: Card): { lat: number; lng: number; h3Cell: string } | undefined {
    if (card.kind === 'job' && card.lat !== null && card.lng !== null && card.h3Cell !== null) return { lat: card.lat, lng: card.lng, h3Cell: card.h3Cell };
    return this.location && { ...discoveryPoint(this.location), h3Cell: this.location.h3Cell };
  }

  private async changePresence(next: PresenceStatus): Promise<void> {
    if (next === this.presenceStatus) return;
    this.presenceStatus = next;
    const services = roomServices();
    const at = services.now();
    await updatePresence(services.db, this.userId, next, at);
    if (!this.shadowBanned) this.announcePresence(next, at);
  }

  private announcePresence(presence: PresenceStatus, at: Date): void {
    for (const other of this.counterparts) {
      roomServices().userEvents.publish(other, {
        kind: 'ephemeral',
        type: UserEventType.PRESENCE_CHANGED,
        data: { userId: this.userId, presence, lastSeenAt: at.getTime() },
      });
    }
  }

  /** Shadow-banned, the user goes offline for everyone else; lifted, they are back as they are. */
  private changeStanding(shadowBanned: boolean): void {
    if (shadowBanned === this.shadowBanned) return;
    this.shadowBanned = shadowBanned;
    this.announcePresence(shadowBanned ? 'offline' : this.presenceStatus, roomServices().now());
    this.renewLobbyPlace(); // counted, or no longer, in "nearby now" at once
  }

  private deviceList(): DeviceInfo[] {
    return [...this.devices.values()].map((d) => d.info);
  }

  private broadcastDevices(except?: Client): void {
    const message: DevicesChangedMessage = { devices: this.deviceList() };
    this.broadcast(SessionEventType.DEVICES_CHANGED, message, except ? { except } : undefined);
  }
}
