import type { Kysely } from 'kysely';
import { findLiveEventAccesses, type LiveEventAccess } from './repositories/liveEventRepository';
import { claimSeats, recordArrivals, recordDepartures, startSeatGeneration, type SeatClaim } from './repositories/eventSeatRepository';
import type { Database } from './types';
import { GroupCommit } from './groupCommit';

/** One write of each kind in flight per node; whatever arrives meanwhile shares the next. */
const LIMITS = { maxInFlight: 1, maxBatch: 500 };

/** A person's last connection to an event left: their attendance closes, and their seat comes back if they held one. */
export interface Departure {
  readonly eventId: string;
  readonly userId: string;
  readonly seated: boolean;
  /** The seat generation of the instance they left (eventSeatRepository). */
  readonly generation: number;
  readonly at: Date;
}

/**
 * A node's seat and attendance writes for live events, grouped: a burst of
 * attendees joining one event takes a handful of commits on its row instead
 * of one each, which would queue every join behind that one row's lock. The
 * door's reads of what each attendee is to the event are grouped the same way.
 */
export class AttendanceLedger {
  private readonly accesses: GroupCommit<{ eventId: string; userId: string }, LiveEventAccess | undefined>;
  private readonly seats: GroupCommit<{ eventId: string; generation: number }, SeatClaim>;
  private readonly arrivals: GroupCommit<{ eventId: string; userId: string; generation: number; at: Date }, void>;
  private readonly departures: GroupCommit<Departure, void>;

  constructor(private readonly db: Kysely<Database>) {
    this.accesses = new GroupCommit((asks) => findLiveEventAccesses(db, asks), { maxInFlight: 2, maxBatch: 500 });
    this.seats = new GroupCommit((claims) => claimSeats(db, claims), LIMITS);
    this.arrivals = new GroupCommit(async (batch) => {
      await recordArrivals(db, batch);
      return batch.map(() => undefined);
    }, LIMITS);
    this.departures = new GroupCommit(async (batch) => {
      await recordDepartures(db, batch);
      return batch.map(() => undefined);
    }, LIMITS);
  }

  /** The event and what the user is to it; undefined when there is no such event. */
  access(eventId: string, userId: string): Promise<LiveEventAccess | undefined> {
    return this.accesses.submit({ eventId, userId });
  }

  /**
   * A new instance of the event's actor takes over its seats (startSeatGeneration): its
   * generation, or undefined when there is no such event. Once per actor, not batched.
   */
  startGeneration(eventId: string, at: Date): Promise<number | undefined> {
    return startSeatGeneration(this.db, eventId, at);
  }

  /** Granted when a seat of this generation was free and is now this attendee's. */
  claimSeat(eventId: string, generation: number): Promise<SeatClaim> {
    return this.seats.submit({ eventId, generation });
  }

  arrive(eventId: string, userId: string, generation: number, at: Date): Promise<void> {
    return this.arrivals.submit({ eventId, userId, generation, at });
  }

  /** Stored once however often it is sent (recordDepartures): safe to send again after a failure. */
  depart(departure: Departure): Promise<void> {
    return this.departures.submit(departure);
  }
}
