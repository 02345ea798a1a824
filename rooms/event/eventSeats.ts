import { roomServices } from '../roomServices';

/**
 * One seat per person at an event: a connection takes one unless another of
 * theirs holds it, or is taking it now. Seats are claimed in storage (in shared
 * batches), so capacity holds however many nodes admit people.
 */
export class EventSeats {
  /** Seats being claimed, by person: a second device waits for the first one's. */
  private readonly claims = new Map<string, Promise<boolean>>();

  constructor(private readonly eventId: string) {}

  async take(userId: string, holdsOne: boolean): Promise<'seated' | 'shared' | 'full'> {
    if (holdsOne) return 'shared';
    const pending = this.claims.get(userId);
    if (pending && (await pending)) return 'shared';
    const claim = roomServices().attendance.claimSeat(this.eventId);
    this.claims.set(userId, claim);
    try {
      return (await claim) ? 'seated' : 'full';
    } finally {
      if (this.claims.get(userId) === claim) this.claims.delete(userId);
    }
  }
}
