import type { SeatClaim } from '../../db/repositories/eventSeatRepository';
import { AppError, ErrorCode } from '../../domain/errors';
import { roomServices } from '../roomServices';
import type { Attendee, EventAttendees } from './eventAttendees';

/** A departure that could not be stored is sent again this many times, waiting twice as long each time. */
export const DEPARTURE_RETRIES = 5;
export const DEPARTURE_FIRST_RETRY_MS = 500;

/**
 * One seat per person at an event: a connection takes one unless another of
 * theirs holds it, or is taking it now. Seats are claimed in storage (in shared
 * batches), so capacity holds however many nodes admit people.
 *
 * The seats in storage are this instance's alone: once the cluster lists it, it
 * starts the event's next seat generation (the count goes to zero, the attendance
 * an instance before it left open is closed: eventSeatRepository), and joins wait
 * for that before they claim. What an older instance still writes (a node killed
 * and its devices back here, or one disconnected as this one took over) then
 * changes nothing.
 */
export class EventSeats {
  /** Seats being claimed, by person: a second device waits for the first one's. */
  private readonly claims = new Map<string, Promise<SeatClaim>>();
  /** This instance's seat generation, once started (tried again by the next join if it failed). */
  private generation: Promise<number> | undefined;

  constructor(
    private readonly eventId: string,
    private readonly retry = { times: DEPARTURE_RETRIES, firstDelayMs: DEPARTURE_FIRST_RETRY_MS },
  ) {}

  /** Starts this instance's seat generation (at its listing); every write of seats and attendance waits for it. */
  start(): Promise<number> {
    if (this.generation) return this.generation;
    const services = roomServices();
    const started = services.attendance.startGeneration(this.eventId, services.now()).then((generation) => {
      if (generation === undefined) throw new AppError(ErrorCode.EVENT_NOT_FOUND, 'no such event');
      return generation;
    });
    this.generation = started;
    // Its failure reaches whoever waits for it; the next to ask tries again.
    started.catch(() => {
      if (this.generation === started) this.generation = undefined;
    });
    return started;
  }

  /** The cluster listed this instance: it takes over the event's seats at once, before its first join asks. */
  takeOver(): void {
    this.start().catch((error: unknown) => roomServices().logger.warn({ err: error, eventId: this.eventId }, 'the event’s seats not taken over (the next join tries again)'));
  }

  /**
   * Adds a connection to the attendees with a seat: its person's, taken now unless
   * another of their connections holds it, or none for a host. True when it is the
   * person's first connection here. EVENT_FULL when no seat is left.
   */
  async seatIn(attendees: EventAttendees, sessionId: string, attendee: Omit<Attendee, 'seated'>, needsSeat: boolean): Promise<boolean> {
    const arrived = attendees.arrive(attendee.userId);
    try {
      const seat = needsSeat ? await this.take(attendee.userId, attendees.of(attendee.userId).some((a) => a.seated)) : 'shared';
      if (seat === 'full') throw new AppError(ErrorCode.EVENT_FULL, `${ErrorCode.EVENT_FULL}: the event is full`);
      const first = attendees.of(attendee.userId).length === 0;
      attendees.add(sessionId, { ...attendee, seated: seat === 'seated' });
      return first;
    } finally {
      arrived(); // in the same turn as the add: no other join's check sees it counted twice or not at all
    }
  }

  private async take(userId: string, holdsOne: boolean): Promise<'seated' | 'shared' | 'full'> {
    const generation = await this.start();
    if (holdsOne) return 'shared';
    const pending = this.claims.get(userId);
    if (pending && (await pending) === 'granted') return 'shared';
    const claim = roomServices().attendance.claimSeat(this.eventId, generation);
    this.claims.set(userId, claim);
    try {
      const outcome = await claim;
      if (outcome === 'superseded') throw new AppError(ErrorCode.ACTOR_UNAVAILABLE, `${ErrorCode.ACTOR_UNAVAILABLE}: the event moved to another instance: join again`);
      return outcome === 'granted' ? 'seated' : 'full';
    } finally {
      if (this.claims.get(userId) === claim) this.claims.delete(userId);
    }
  }

  /** The person's first connection is in: their attendance opens. */
  async arrive(userId: string, at: Date): Promise<void> {
    await roomServices().attendance.arrive(this.eventId, userId, await this.start(), at);
  }

  /**
   * The person's last connection left: their attendance closes and their seat comes
   * back. A failed write is sent again (DEPARTURE_RETRIES, backing off); one that
   * never gets through is closed by the event's next instance, which starts from zero.
   */
  async depart(userId: string, seated: boolean, at: Date): Promise<void> {
    const services = roomServices();
    const generation = await this.start();
    for (let attempt = 0; ; attempt++) {
      try {
        await services.attendance.depart({ eventId: this.eventId, userId, seated, generation, at });
        return;
      } catch (error) {
        const giveUp = attempt >= this.retry.times;
        services.logger.warn({ err: error, eventId: this.eventId, userId, attempt }, giveUp ? 'a departure not stored: the event’s next instance closes it' : 'a departure not stored: sent again');
        if (giveUp) return;
        await new Promise((resolve) => setTimeout(resolve, this.retry.firstDelayMs * 2 ** attempt));
      }
    }
  }
}
