import type { AuthContext, Client } from '@colyseus/core';
import { recordEventRemoval } from '../../db/repositories/liveEventRepository';
import { AppError, ErrorCode } from '../../domain/errors';
import { decideModeration, lowerHand, raiseHand } from '../../domain/liveEventRules';
import { LiveEventCommands, LiveEventMessageType, type LiveEventReady, type MutedMessage, type RoleMessage } from '../../contracts/liveEvents';
import type { EventAliases } from '../../services/eventAliases';
import { KismetCloseCode } from '../../contracts/common';
import { ActorRoom } from '../actorRoom';
import { mountCommands } from '../commandRouter';
import { roomServices } from '../roomServices';
import { Breakouts } from './breakouts';
import { EventChat } from './eventChat';
import { EventEnd } from './eventEnd';
import { EventMedia } from './eventMedia';
import { EventSeats } from './eventSeats';
import { HandRaises } from './handRaises';
import { EventAttendees, type Attendee } from './eventAttendees';
import { admitToEvent, type LiveEventAuth } from './eventAdmission';
import { EventBlocks } from './eventBlocks';
import { EventStandings } from './eventStandings';

/**
 * `event:<eventId>`: a live hiring event. Hosts and promoted speakers publish
 * on the stage of one LiveKit room; the audience subscribes. Seats are taken
 * in storage when people connect, so capacity holds across every node admitting.
 */
export class LiveEventRoom extends ActorRoom {
  private eventId = '';
  private readonly attendees = new EventAttendees();
  private readonly chat = new EventChat();
  private readonly hands = new HandRaises({
    hiddenIds: () => this.attendees.hiddenIds(),
    unseenBy: (userId) => this.blocks.othersOf(userId),
    broadcast: (type, message, except) => this.broadcast(type, message, except.size === 0 ? undefined : { except: [...except].flatMap((userId) => this.clientsOf(userId)) }),
    sendTo: (userId, type, message) => this.sendToUser(userId, type, message),
    aliasOf: (userId) => this.aliases.of(userId),
  });
  private aliases!: EventAliases; // attendees are named to each other by alias, never by user id; host commands name them so (moderate)
  private media!: EventMedia;
  private seats!: EventSeats;
  private breakouts!: Breakouts;
  private blocks!: EventBlocks;
  private standings!: EventStandings;
  private ending!: EventEnd;

  static override onAuth(token: string, rawOptions: unknown, _context: AuthContext): Promise<LiveEventAuth> {
    return admitToEvent(token, rawOptions);
  }

  override onCreate(options: { eventId: string }): void {
    this.eventId = options.eventId;
    this.becomeActor('event', options.eventId);
    this.media = new EventMedia(this.eventId, (this.aliases = roomServices().eventAliases.of(this.eventId)));
    this.seats = new EventSeats(this.eventId);
    const roleOf = (userId: string) => this.attendees.of(userId)[0]?.role ?? 'audience';
    this.breakouts = new Breakouts(this.media, { sendToUser: (userId, type, message) => this.sendToUser(userId, type, message), roleOf });
    this.blocks = new EventBlocks(this.eventId, { holds: (userId) => this.attendees.held(userId) > 0, hands: this.hands, breakouts: this.breakouts });
    this.standings = new EventStandings(this.eventId, { attendees: this.attendees, hands: this.hands });
    this.ending = new EventEnd({ eventId: this.eventId, media: this.media, breakouts: this.breakouts, disconnect: (code) => this.disconnect(code) });
    const services = roomServices();
    const hand = (client: Client, change: typeof raiseHand) => {
      const { userId } = this.attendee(client);
      this.hands.change(change(this.hands.current, userId));
      return { hands: this.hands.seenBy(userId) };
    };
    mountCommands(this, 'event', services, LiveEventCommands, {
      'hand.raise': (client) => hand(client, raiseHand),
      'hand.lower': (client) => hand(client, lowerHand),
      promote: (client, payload) => this.changeRole(client, payload.alias, 'speaker'),
      demote: (client, payload) => this.changeRole(client, payload.alias, 'audience'),
      remove: async (client, payload) => {
        const userId = this.moderate(client, payload.alias);
        // Refused here at once (a seat reserved before too), then stored: the door refuses them on whatever node they knock.
        this.attendees.putOut(userId);
        await recordEventRemoval(services.db, { eventId: this.eventId, userId, removedBy: this.attendee(client).userId, at: services.now() });
        await this.letGo(userId, KismetCloseCode.REMOVED_FROM_EVENT);
        return { removed: payload.alias };
      },
      mute: async (client, payload) => {
        const userId = this.moderate(client, payload.alias);
        await this.media.onServer((control) => control.muteAll(this.media.room, payload.alias));
        this.sendToUser(userId, LiveEventMessageType.MUTED, { by: this.aliases.of(this.attendee(client).userId) } satisfies MutedMessage);
        return { muted: payload.alias };
      },
      breakout: (client, payload) => {
        const userId = this.moderate(client, payload.alias);
        const hostId = this.attendee(client).userId;
        return this.breakouts.start(hostId, userId, payload.durationS, this.blocks.breakoutTold(hostId, userId));
      },
      say: (client, payload) => {
        const speaker = this.attendee(client);
        const message = this.chat.say({ ...speaker, alias: this.aliases.of(speaker.userId) }, payload.text, services.now().getTime(), this.clients.length);
        this.sendFrom(speaker, LiveEventMessageType.CHAT, message, undefined, this.blocks.othersOf(speaker.userId));
        return message;
      },
      'slow.mode': (client, payload) => {
        if (this.attendee(client).role !== 'host') throw new AppError(ErrorCode.NOT_A_HOST, 'only the event’s hosts set slow mode');
        this.chat.setSlowMode(payload.seconds);
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
    this.ending.admit(auth.endsAt);
    if (this.attendees.wasPutOut(auth.userId)) throw ActorRoom.joinRefused(ErrorCode.REMOVED_FROM_EVENT, 'a host removed you from this event');
    this.admitWithinLimit(client, auth, this.attendees.held(auth.userId)); // before any await: a revocation heard meanwhile closes it
    this.blocks.admit(auth.userId, auth.blocks); // before anything is sent to them, as before any await
    const services = roomServices();
    services.metrics.connections.inc();
    const attendee = { userId: auth.userId, role: auth.role, hidden: auth.shadowBanned };
    const firstConnection = await this.seats.seatIn(this.attendees, client.sessionId, attendee, auth.needsSeat);
    this.standings.admitted(auth.userId, auth.shadowBanned); // in the turn it was added: a shadow-ban set or lifted since its door counts
    if (firstConnection) await this.seats.arrive(auth.userId, services.now());
    const token = await this.media.tokenFor(auth.userId, auth.role);
    const ready: LiveEventReady = { eventId: this.eventId, role: auth.role, alias: this.aliases.of(auth.userId), liveKitUrl: services.calls.liveKitUrl, room: this.media.room, token, hands: this.hands.seenBy(auth.userId) };
    this.sendReady(client, LiveEventMessageType.READY, ready);
  }

  override async onLeave(client: Client): Promise<void> {
    this.lingerWhenEmpty();
    const userId = this.userOf(client);
    if (userId !== undefined) roomServices().metrics.connections.dec(); // admitted, so counted
    const attendee = this.attendees.remove(client.sessionId);
    if (userId !== undefined) this.blocks.left(userId);
    if (!attendee) return;
    const remaining = this.attendees.of(attendee.userId);
    if (remaining.length > 0) {
      // Still here on another device: the seat passes to it, and they have not left.
      if (attendee.seated) remaining[0]!.seated = true;
      return;
    }
    this.hands.change(lowerHand(this.hands.current, attendee.userId));
    await this.seats.depart(attendee.userId, attendee.seated, roomServices().now());
  }

  /** The one instance of the event now: its seats in storage are its own (EventSeats). */
  override listed(): void {
    super.listed();
    this.seats.takeOver();
  }

  override onDispose(): void {
    for (const part of [this.breakouts, this.ending, this.hands, this.blocks, this.standings]) part?.close();
    this.actorGone();
  }

  /** Blocks made and shadow-bans set or lifted while this node was away from Redis were not heard: those of the people here are read again. */
  override onClusterRejoined(): void {
    for (const part of [this.blocks, this.standings]) void part.reread([...this.attendees.people()]);
  }

  /** Banned or erased, or their one log-in here revoked, heard on every node: let go as a removed attendee is (media rooms too), with 4502. */
  override onPersonRevoked(userId: string): void {
    if (this.isConnected(userId)) this.letGo(userId, KismetCloseCode.SESSION_REVOKED).catch((error: unknown) => roomServices().logger.warn({ err: error, eventId: this.eventId, userId }, 'a revoked attendee’s media not let go'));
  }

  /** Closes a person's connections (each gives back its seat as any leave does), then takes them off the media rooms. */
  private async letGo(userId: string, code: number): Promise<void> {
    for (const target of this.clientsOf(userId)) target.leave(code);
    await this.media.onServer((control) => control.remove(this.media.room, this.media.identity(userId)));
    await this.breakouts.endFor(userId); // as attendee or host: closes the breakouts' media rooms too
  }

  private attendee(client: Client): Attendee {
    const attendee = this.attendees.get(client.sessionId);
    if (!attendee) throw new AppError(ErrorCode.NOT_ATTENDING, 'join the event first');
    return attendee;
  }

  private moderate(client: Client, alias: string): string {
    const targetId = this.aliases.userOf(alias) ?? '', decision = decideModeration(this.attendee(client).role, this.attendees.of(targetId)[0]?.role);
    if (!decision.ok) throw new AppError(decision.code, decision.message);
    return targetId;
  }

  private async changeRole(client: Client, alias: string, role: 'speaker' | 'audience') {
    const targetId = this.moderate(client, alias);
    for (const target of this.attendees.of(targetId)) target.role = role;
    // Live at once where a media server is configured; the new token covers the next join either way.
    await this.media.onServer((control) => control.setRole(this.media.room, alias, role === 'speaker' ? 'stage' : 'audience'));
    const message: RoleMessage = { role, token: await this.media.tokenFor(targetId, role) };
    this.sendToUser(targetId, LiveEventMessageType.ROLE, message);
    if (role === 'speaker') this.hands.change(lowerHand(this.hands.current, targetId));
    return { alias, role };
  }
}
