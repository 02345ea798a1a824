import { findShadowBannedAmong } from '../../db/repositories/userRepository';
import { roomServices } from '../roomServices';

/** What a shadow-ban set or lifted for someone in an event changes there. */
export interface StandingEvent {
  /** Hides or shows every connection of the person; true when that changed. */
  readonly attendees: { setHidden(userId: string, hidden: boolean): boolean };
  /** Those whose view of the hand queue changes with it are told it again. */
  readonly hands: { restood(userId: string): void };
}

/**
 * Whether the people in one event are shadow-banned: what they say or raise reaches
 * their own devices only, and a hand they hold up leaves the others' queue. The event learns it
 *
 * - at the door: onAuth reads the caller's standing (LiveEventAuth `shadowBanned`);
 * - as it changes: the node hears every shadow-ban set or lifted (services/recentStandings)
 *   and tells the event, which changes every connection of that person at once; one heard
 *   between a caller's door read and their connection is the node's latest for them when they connect;
 * - again, for everyone in, when the node is back in touch with Redis (it may have missed some).
 */
export class EventStandings {
  private readonly stopHearing: () => void;

  constructor(
    private readonly eventId: string,
    private readonly event: StandingEvent,
  ) {
    this.stopHearing = roomServices().standings.listen((news) => this.change(news.userId, news.shadowBanned));
  }

  /** A connection of `userId` was added with the standing its door read: one heard since counts instead. */
  admitted(userId: string, atDoor: boolean): void {
    const services = roomServices();
    this.change(userId, services.standings.of(userId, services.now().getTime()) ?? atDoor);
  }

  /** The node is back in touch with Redis: the standing of these people (those in the event) is read again. */
  async reread(userIds: readonly string[]): Promise<void> {
    try {
      const shadowBanned = await findShadowBannedAmong(roomServices().db, userIds);
      for (const userId of userIds) this.change(userId, shadowBanned.has(userId));
    } catch (error) {
      roomServices().logger.warn({ err: error, eventId: this.eventId }, 'the standing of an event’s people not read again');
    }
  }

  close(): void {
    this.stopHearing();
  }

  private change(userId: string, hidden: boolean): void {
    try {
      if (this.event.attendees.setHidden(userId, hidden)) this.event.hands.restood(userId);
    } catch (error) {
      roomServices().logger.warn({ err: error, eventId: this.eventId, userId }, 'a shadow-ban set or lifted during the event not applied');
    }
  }
}
