import { LiveEventMessageType, type BreakoutMessage, type BreakoutStarted } from '../../contracts/liveEvents';
import { AppError, ErrorCode } from '../../domain/errors';
import type { LiveEventRole } from '../../domain/liveEventRules';
import { roomServices } from '../roomServices';
import type { EventMedia } from './eventMedia';

/** How breakouts reach the people in them. */
export interface BreakoutHost {
  sendToUser(userId: string, type: string, message: unknown): void;
  /** A person's role in the main room, to hand them its token back. */
  roleOf(userId: string): LiveEventRole;
}

/**
 * Breakout interviews of one event: a host pulls an attendee into a timed 1:1
 * LiveKit room of their own; when the time is up both get the main room back,
 * and the breakout's media room is closed.
 */
export class Breakouts {
  /**
   * By the attendee interviewed: the room, the timer that ends it, and whether the attendee
   * is told of it. One they are not (they blocked the host) runs for the host as any does,
   * and holds the attendee as any does (IN_BREAKOUT), so nothing tells it apart but that they never come.
   */
  private readonly rooms = new Map<string, { readonly hostId: string; readonly room: string; readonly timer: NodeJS.Timeout; readonly told: boolean }>();

  constructor(
    private readonly media: EventMedia,
    private readonly host: BreakoutHost,
  ) {}

  has(userId: string): boolean {
    return this.rooms.has(userId);
  }

  async start(hostId: string, userId: string, durationS: number, attendeeTold: boolean): Promise<BreakoutStarted> {
    if (this.rooms.has(userId)) throw new AppError(ErrorCode.IN_BREAKOUT, 'that person is in an interview already');
    const services = roomServices();
    const nowMs = services.now().getTime();
    const alias = this.media.identity(userId);
    const room = `${this.media.room}-breakout-${alias}-${nowMs}`;
    const endsAt = nowMs + durationS * 1000;
    const timer = setTimeout(() => this.end(userId).catch((error: unknown) => services.logger.warn({ err: error, room }, 'breakout end failed')), durationS * 1000);
    this.rooms.set(userId, { hostId, room, timer, told: attendeeTold });
    for (const person of attendeeTold ? [hostId, userId] : [hostId]) {
      const message: BreakoutMessage = { room, token: await this.media.callToken(room, person), endsAt };
      this.host.sendToUser(person, LiveEventMessageType.BREAKOUT, message);
    }
    return { alias, room, endsAt };
  }

  async end(userId: string): Promise<void> {
    const breakout = this.rooms.get(userId);
    if (!breakout) return;
    this.rooms.delete(userId);
    clearTimeout(breakout.timer);
    for (const person of breakout.told ? [breakout.hostId, userId] : [breakout.hostId]) {
      const message = { room: this.media.room, token: await this.media.tokenFor(person, this.host.roleOf(person)) };
      this.host.sendToUser(person, LiveEventMessageType.BREAKOUT_ENDED, message);
    }
    // The interview is over for the media too, whether or not the apps move on their own.
    await this.media.onServer((control) => control.close(breakout.room));
  }

  /**
   * The person is gone from the event (revoked, removed, or their last connection closed): every
   * breakout they are in ends, as the attendee or as its host, since nobody is left to talk with.
   */
  async endFor(userId: string): Promise<void> {
    const theirs = [...this.rooms].filter(([attendee, breakout]) => attendee === userId || breakout.hostId === userId);
    const logger = roomServices().logger;
    await Promise.all(theirs.map(([attendee]) => this.end(attendee).catch((error: unknown) => logger.warn({ err: error, userId }, 'a breakout of someone gone not ended'))));
  }

  /** A block now stands between the two: a breakout of theirs ends as one whose time is up does. */
  async endBetween(x: string, y: string): Promise<void> {
    for (const [attendee, host] of [[x, y], [y, x]] as const) if (this.rooms.get(attendee)?.hostId === host) await this.end(attendee);
  }

  close(): void {
    for (const breakout of this.rooms.values()) clearTimeout(breakout.timer);
  }

  /** The event is over: every breakout ends with it, its media room closed, nobody sent back to the main room. */
  async finish(): Promise<void> {
    const rooms = [...this.rooms.values()];
    this.close();
    this.rooms.clear();
    await Promise.all(rooms.map((breakout) => this.media.onServer((control) => control.close(breakout.room))));
  }
}
