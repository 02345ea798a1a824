import type { Kysely } from 'kysely';
import { claimSeats, findLiveEventAccesses, recordArrivals, recordDepartures, type LiveEventAccess } from './repositories/liveEventRepository';
import type { Database } from './types';
import { GroupCommit } from './groupCommit';

/** One write of each kind in flight per node; whatever arrives meanwhile shares the next. */
const LIMITS = { maxInFlight: 1, maxBatch: 500 };

/**
 * A node's seat and attendance writes for live events, grouped: a burst of
 * attendees joining one event takes a handful of commits on its row instead
 * of one each, which would queue every join behind that one row's lock. The
 * door's reads of what each attendee is to the event are grouped the same way.
 */
export class AttendanceLedger {
  private readonly accesses: GroupCommit<{ eventId: string; userId: string }, LiveEventAccess | undefined>;
  private readonly seats: GroupCommit<string, boolean>;
  private readonly arrivals: GroupCommit<{ eventId: string; userId: string; at: Date }, void>;
  private readonly departures: GroupCommit<{ eventId: string; userId: string; seated: boolean; at: Date }, void>;

  constructor(db: Kysely<Database>) {
    this.accesses = new GroupCommit((asks) => findLiveEventAccesses(db, asks), { maxInFlight: 2, maxBatch: 500 });
    this.seats = new GroupCommit((eventIds) => claimSeats(db, eventIds), LIMITS);
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

  /** True when a seat was free and is now this attendee's. */
  claimSeat(eventId: string): Promise<boolean> {
    return this.seats.submit(eventId);
  }

  arrive(eventId: string, userId: string, at: Date): Promise<void> {
    return this.arrivals.submit({ eventId, userId, at });
  }

  depart(eventId: string, userId: string, seated: boolean, at: Date): Promise<void> {
    return this.departures.submit({ eventId, userId, seated, at });
  }
}
