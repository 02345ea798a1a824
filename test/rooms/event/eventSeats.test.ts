import assert from 'node:assert/strict';
import type { AttendanceLedger, Departure } from '../../../db/attendanceLedger';
import { EventAttendees } from '../../../rooms/event/eventAttendees';
import { EventSeats } from '../../../rooms/event/eventSeats';
import { setRoomServices, type RoomServices } from '../../../rooms/roomServices';

/** An attendance ledger in memory whose writes fail as often as a test says. */
class FlakyLedger {
  readonly departures: Departure[] = [];
  readonly starts: number[] = [];
  failDepartures = 0;
  failStarts = 0;
  private generation = 0;

  async startGeneration(): Promise<number | undefined> {
    this.starts.push(Date.now());
    if (this.failStarts-- > 0) throw new Error('Connection terminated');
    return ++this.generation;
  }

  async claimSeat(): Promise<'granted'> {
    return 'granted';
  }

  async arrive(): Promise<void> {}

  async depart(departure: Departure): Promise<void> {
    this.departures.push(departure);
    if (this.failDepartures-- > 0) throw new Error('Connection terminated');
  }
}

describe('an event’s seats on its actor', () => {
  let ledger: FlakyLedger;
  const warnings: string[] = [];

  beforeEach(() => {
    ledger = new FlakyLedger();
    warnings.length = 0;
    const services: Partial<RoomServices> = {
      attendance: ledger as unknown as AttendanceLedger,
      now: () => new Date(),
      logger: { warn: (_context: object, message: string) => void warnings.push(message) } as unknown as RoomServices['logger'],
    };
    setRoomServices(services as RoomServices);
  });

  afterEach(() => setRoomServices(undefined));

  it('sends a departure that failed again until it is stored, and gives up only after its retries', async () => {
    const seats = new EventSeats('e1', { times: 3, firstDelayMs: 1 });
    ledger.failDepartures = 2;
    await seats.depart('ana', true, new Date());
    assert.equal(ledger.departures.length, 3, 'two failures, then stored');
    assert.ok(ledger.departures.every((d) => d.userId === 'ana' && d.seated && d.generation === 1));

    ledger.failDepartures = 10;
    await seats.depart('ben', true, new Date());
    assert.equal(ledger.departures.filter((d) => d.userId === 'ben').length, 4, 'the first try and three more');
    assert.match(warnings.at(-1)!, /next instance/);
  });

  it('takes the event’s seats over once; a join waits for it, and tries it again if it failed', async () => {
    const seats = new EventSeats('e2');
    const attendees = new EventAttendees();
    ledger.failStarts = 1;
    seats.takeOver();
    await assert.rejects(seats.seatIn(attendees, 's1', { userId: 'ana', role: 'audience', hidden: false }, true), /Connection terminated/);
    assert.equal(await seats.seatIn(attendees, 's1', { userId: 'ana', role: 'audience', hidden: false }, true), true);
    assert.equal(await seats.seatIn(attendees, 's2', { userId: 'ben', role: 'audience', hidden: false }, true), true);
    assert.equal(ledger.starts.length, 2, 'the failed takeover, then one that every later join shares');
    assert.equal(attendees.of('ana')[0]?.seated, true);
  });
});
