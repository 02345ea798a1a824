import type { AuthContext, Client } from '@colyseus/core';
import { findLiveEventAccess, recordEventRemoval } from '../../db/repositories/liveEventRepository';
import { AppError, ErrorCode } from '../../domain/errors';
import { decideLiveEventJoin, decideModeration, liveEventPhase, lowerHand, raiseHand, slowModeWaitMs, type LiveEventRole } from '../../domain/liveEventRules';
import { ActorRoom } from '../actorRoom';
import { mountCommands } from '../commandRouter';
import {
  LiveEventCommands,
  LiveEventJoinOptions,
  LiveEventMessageType,
  type BreakoutMessage,
  type EventChatMessage,
  type LiveEventReady,
  type RoleMessage,
} from '../../contracts/liveEvents';
import { roomServices } from '../roomServices';
import type { MediaRoomControl } from '../../services/calls';

interface LiveEventAuth {
  readonly userId: string;
  /** The event the caller was admitted to. */
  readonly eventId: string;
  readonly role: LiveEventRole;
  /** Whether the person needs a seat (hosts do not); it is taken when they connect. */
  readonly needsSeat: boolean;
  readonly shadowBanned: boolean;
}

interface Attendee {
  readonly userId: string;
  role: LiveEventRole;
  /** This connection holds its person's one seat (a second device shares it, unseated). */
  seated: boolean;
  /** Shadow-banned when they joined: what they say reaches their own devices only. */
  readonly shadowBanned: boolean;
}

/** Close code for an attendee a host removed. */
export const REMOVED_FROM_EVENT = 4506;

/**
 * `event:<eventId>`: a live hiring event. Hosts and promoted speakers publish
 * on the stage of one LiveKit room; the audience subscribes. Seats are taken
 * in storage at admission, so capacity holds across every node admitting.
 */
export class LiveEventRoom extends ActorRoom {
  private eventId = '';
  private hands: readonly string[] = [];
  private readonly attendees = new Map<string, Attendee>(); // by sessionId
  /** Seats being claimed, by person: a second device waits for the first one's. */
  private readonly seatClaims = new Map<string, Promise<boolean>>();
  private slowModeS = 0;
  private readonly lastSaid = new Map<string, number>(); // userId → ms
  /** Breakouts on now, by the attendee interviewed: the room and the timer that ends it. */
  private readonly breakouts = new Map<string, { readonly hostId: string; readonly room: string; readonly timer: NodeJS.Timeout }>();

  static override async onAuth(token: string, rawOptions: unknown, _context: AuthContext): Promise<LiveEventAuth> {
    const { userId, options } = await ActorRoom.admit(token, rawOptions, LiveEventJoinOptions);
    const services = roomServices();
    const access = await findLiveEventAccess(services.db, options.eventId, userId);
    if (!access) throw new AppError(ErrorCode.EVENT_NOT_FOUND, 'no such event');
    const decision = decideLiveEventJoin({ ...access, phase: liveEventPhase(access.event, services.now().getTime()) });
    if (decision.kind === 'refused') throw new AppError(decision.code, decision.message);
    return { userId, eventId: options.eventId, role: decision.role, needsSeat: decision.takesSeat, shadowBanned: access.shadowBanned };
  }

  override onCreate(options: { eventId: string }): void {
    this.eventId = options.eventId;
    this.becomeActor('event', options.eventId);
    const services = roomServices();
    mountCommands(this, 'event', services, LiveEventCommands, {
      'hand.raise': (client) => {
        const { userId } = this.attendee(client);
        this.setHands(raiseHand(this.hands, userId));
        return { hands: this.handsFor(userId) };
      },
      'hand.lower': (client) => {
        const { userId } = this.attendee(client);
        this.setHands(lowerHand(this.hands, userId));
        return { hands: this.handsFor(userId) };
      },
      promote: (client, payload) => this.changeRole(client, payload.userId, 'speaker'),
      demote: (client, payload) => this.changeRole(client, payload.userId, 'audience'),
      remove: async (client, payload) => {
        this.moderate(client, payload.userId);
        // Stored first: from now on the door refuses them, on whatever node they knock.
        await recordEventRemoval(services.db, { eventId: this.eventId, userId: payload.userId, removedBy: this.attendee(client).userId, at: services.now() });
        for (const target of this.clientsOf(payload.userId)) target.leave(REMOVED_FROM_EVENT);
        const breakout = this.breakouts.has(payload.userId);
        await this.onMediaServer((control) => control.remove(this.liveKitRoom(), payload.userId));
        if (breakout) await this.endBreakout(payload.userId); // closes the breakout's media room too
        return { removed: payload.userId };
      },
      mute: async (client, payload) => {
        this.moderate(client, payload.userId);
        await this.onMediaServer((control) => control.muteAll(this.liveKitRoom(), payload.userId));
        for (const target of this.clientsOf(payload.userId)) target.send(LiveEventMessageType.MUTED, { by: this.attendee(client).userId });
        return { muted: payload.userId };
      },
      breakout: (client, payload) => this.startBreakout(client, payload.userId, payload.durationS),
      say: (client, payload) => this.say(client, payload.text),
      'slow.mode': (client, payload) => {
        const host = this.attendee(client);
        if (host.role !== 'host') throw new AppError(ErrorCode.NOT_A_HOST, 'only the event’s hosts set slow mode');
        this.slowModeS = payload.seconds;
        this.broadcast(LiveEventMessageType.SLOW_MODE, { seconds: payload.seconds });
        return { seconds: payload.seconds };
      },
    }, {
      // What reaches the whole audience; hosts' moderation is theirs alone and not limited.
      actions: { say: 'event.chat', 'hand.raise': 'event.hand', 'hand.lower': 'event.hand' },
      userOf: (client) => this.attendee(client).userId,
    });
  }

  /**
   * The seat is taken here, once the person is connected, not at admission: a
   * reservation that is never used (the client gave up) then holds no seat.
   */
  override async onJoin(client: Client, _options: unknown, auth: LiveEventAuth): Promise<void> {
    // Whatever route brought the caller here, the role they were given is for this event alone.
    if (auth?.eventId !== this.eventId) throw ActorRoom.joinRefused(ErrorCode.NOT_REGISTERED, 'admitted to another event');
    const services = roomServices();
    const seat = auth.needsSeat ? await this.takeSeat(auth.userId) : 'shared';
    if (seat === 'full') throw ActorRoom.joinRefused(ErrorCode.EVENT_FULL, 'the event is full');
    const firstConnection = this.clientsOf(auth.userId).length === 0;
    this.attendees.set(client.sessionId, { userId: auth.userId, role: auth.role, seated: seat === 'seated', shadowBanned: auth.shadowBanned });
    if (firstConnection) await services.attendance.arrive(this.eventId, auth.userId, services.now());
    const ready: LiveEventReady = {
      eventId: this.eventId,
      role: auth.role,
      liveKitUrl: services.calls.liveKitUrl,
      room: this.liveKitRoom(),
      token: await this.tokenFor(auth.userId, auth.role),
      hands: this.handsFor(auth.userId),
    };
    client.send(LiveEventMessageType.READY, ready);
  }

  override async onLeave(client: Client): Promise<void> {
    const attendee = this.attendees.get(client.sessionId);
    if (!attendee) return;
    this.attendees.delete(client.sessionId);
    const services = roomServices();
    const remaining = [...this.attendees.values()].filter((a) => a.userId === attendee.userId);
    if (remaining.length > 0) {
      // Still here on another device: the seat passes to it, and they have not left.
      if (attendee.seated) remaining[0]!.seated = true;
      return;
    }
    this.setHands(lowerHand(this.hands, attendee.userId));
    await services.attendance.depart(this.eventId, attendee.userId, attendee.seated, services.now());
  }

  /** One seat per person: a connection takes one unless another of theirs holds it, or is taking it now. */
  private async takeSeat(userId: string): Promise<'seated' | 'shared' | 'full'> {
    if ([...this.attendees.values()].some((a) => a.userId === userId && a.seated)) return 'shared';
    const pending = this.seatClaims.get(userId);
    if (pending && (await pending)) return 'shared';
    const claim = roomServices().attendance.claimSeat(this.eventId);
    this.seatClaims.set(userId, claim);
    try {
      return (await claim) ? 'seated' : 'full';
    } finally {
      if (this.seatClaims.get(userId) === claim) this.seatClaims.delete(userId);
    }
  }

  override onDispose(): void {
    for (const breakout of this.breakouts.values()) clearTimeout(breakout.timer);
    this.actorGone();
  }

  private liveKitRoom(): string {
    return `event-${this.eventId}`;
  }

  private tokenFor(userId: string, role: LiveEventRole): Promise<string> {
    return roomServices().calls.tokens.mint(this.liveKitRoom(), userId, role === 'audience' ? 'audience' : 'stage');
  }

  /** Runs a change on the LiveKit server when one is configured. */
  private async onMediaServer(change: (control: MediaRoomControl) => Promise<void>): Promise<void> {
    const control = roomServices().calls.roomControl;
    if (control) await change(control);
  }

  private attendee(client: Client): Attendee {
    const attendee = this.attendees.get(client.sessionId);
    if (!attendee) throw new AppError(ErrorCode.NOT_ATTENDING, 'join the event first');
    return attendee;
  }

  private clientsOf(userId: string): Client[] {
    return this.clients.filter((c) => this.attendees.get(c.sessionId)?.userId === userId);
  }

  private moderate(client: Client, targetId: string): Attendee[] {
    const targets = [...this.attendees.values()].filter((a) => a.userId === targetId);
    const decision = decideModeration(this.attendee(client).role, targets[0]?.role);
    if (!decision.ok) throw new AppError(decision.code, decision.message);
    return targets;
  }

  private async changeRole(client: Client, targetId: string, role: 'speaker' | 'audience') {
    const targets = this.moderate(client, targetId);
    for (const target of targets) target.role = role;
    // Live at once where a media server is configured; the new token covers the next join either way.
    await this.onMediaServer((control) => control.setRole(this.liveKitRoom(), targetId, role === 'speaker' ? 'stage' : 'audience'));
    const message: RoleMessage = { role, token: await this.tokenFor(targetId, role) };
    for (const target of this.clientsOf(targetId)) target.send(LiveEventMessageType.ROLE, message);
    if (role === 'speaker') this.setHands(lowerHand(this.hands, targetId));
    return { userId: targetId, role };
  }

  /** A timed 1:1 room for a host and one attendee; when the time is up, both get the main room back. */
  private async startBreakout(client: Client, userId: string, durationS: number) {
    const host = this.attendee(client);
    this.moderate(client, userId);
    if (this.breakouts.has(userId)) throw new AppError(ErrorCode.IN_BREAKOUT, 'that person is in an interview already');
    const services = roomServices();
    const room = `${this.liveKitRoom()}-breakout-${userId}-${services.now().getTime()}`;
    const endsAt = services.now().getTime() + durationS * 1000;
    const timer = setTimeout(() => this.endBreakout(userId).catch((error: unknown) => services.logger.warn({ err: error }, 'breakout end failed')), durationS * 1000);
    this.breakouts.set(userId, { hostId: host.userId, room, timer });
    for (const person of [host.userId, userId]) {
      const message: BreakoutMessage = { room, token: await services.calls.tokens.mint(room, person, 'call'), endsAt };
      for (const target of this.clientsOf(person)) target.send(LiveEventMessageType.BREAKOUT, message);
    }
    return { userId, room, endsAt };
  }

  private async endBreakout(userId: string): Promise<void> {
    const breakout = this.breakouts.get(userId);
    if (!breakout) return;
    this.breakouts.delete(userId);
    clearTimeout(breakout.timer);
    for (const person of [breakout.hostId, userId]) {
      const role = [...this.attendees.values()].find((a) => a.userId === person)?.role ?? 'audience';
      const message = { room: this.liveKitRoom(), token: await this.tokenFor(person, role) };
      for (const target of this.clientsOf(person)) target.send(LiveEventMessageType.BREAKOUT_ENDED, message);
    }
    // The interview is over for the media too, whether or not the apps move on their own.
    await this.onMediaServer((control) => control.close(breakout.room));
  }

  private say(client: Client, text: string): EventChatMessage {
    const attendee = this.attendee(client);
    const nowMs = roomServices().now().getTime();
    const waitMs = slowModeWaitMs({ role: attendee.role, slowModeS: this.slowModeS, lastSentMs: this.lastSaid.get(attendee.userId), nowMs });
    if (waitMs > 0) throw new AppError(ErrorCode.SLOW_MODE, `slow mode: one message every ${this.slowModeS} s`, { retryAfterMs: waitMs });
    this.lastSaid.set(attendee.userId, nowMs);
    const message: EventChatMessage = { userId: attendee.userId, text, at: nowMs };
    if (attendee.shadowBanned) for (const target of this.clientsOf(attendee.userId)) target.send(LiveEventMessageType.CHAT, message);
    else this.broadcast(LiveEventMessageType.CHAT, message);
    return message;
  }

  /** The queue as one person is shown it: a shadow-banned attendee's hand is seen by themselves alone. */
  private handsFor(viewerId: string | undefined, queue: readonly string[] = this.hands): readonly string[] {
    const hidden = new Set([...this.attendees.values()].filter((a) => a.shadowBanned && a.userId !== viewerId).map((a) => a.userId));
    return hidden.size === 0 ? queue : queue.filter((id) => !hidden.has(id));
  }

  /** Tells everyone whose view of the queue changed. */
  private setHands(next: readonly string[]): void {
    if (next.join() === this.hands.join()) return;
    const before = this.hands;
    this.hands = next;
    if (![...this.attendees.values()].some((a) => a.shadowBanned)) {
      this.broadcast(LiveEventMessageType.HANDS, { hands: next });
      return;
    }
    for (const client of this.clients) {
      const viewerId = this.attendees.get(client.sessionId)?.userId;
      const view = this.handsFor(viewerId);
      if (view.join() !== this.handsFor(viewerId, before).join()) client.send(LiveEventMessageType.HANDS, { hands: view });
    }
  }
}
