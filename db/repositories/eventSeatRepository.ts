import { sql, type Kysely } from 'kysely';
import type { Database } from '../types';

/**
 * An event's seats are counted for one instance of its actor, the cluster's only
 * one: its seat generation. Each instance starts a new one as it is listed
 * (`startSeatGeneration`), and every claim, arrival and departure carries the
 * generation it was made in; one of an older generation (an instance that died,
 * or is being disconnected as another took over) changes nothing. So the count is
 * what the live instance holds, whatever the one before it left behind.
 */

/** A claimed seat: granted, refused for want of one, or asked by an instance another one took over from. */
export type SeatClaim = 'granted' | 'full' | 'superseded';

/**
 * A new instance of the event's actor takes over its seats: the event's generation
 * goes up by one and its count to zero (it holds nobody yet), and the attendance
 * left open (by an instance that died, or a departure never stored) closes at `at`.
 * The new generation; undefined when there is no such event.
 *
 * Two statements: the first waits for arrivals stored meanwhile (they lock the
 * event's row to read its generation), and the second then sees them.
 */
export async function startSeatGeneration(db: Kysely<Database>, eventId: string, at: Date): Promise<number | undefined> {
  return db.transaction().execute(async (trx) => {
    const bumped = await trx
      .updateTable('events')
      .set((eb) => ({ seat_generation: eb('seat_generation', '+', 1), attendee_count: 0 }))
      .where('id', '=', eventId)
      .returning('seat_generation')
      .executeTakeFirst();
    if (!bumped) return undefined;
    await trx.updateTable('attendance').set({ left_at: at }).where('event_id', '=', eventId).where('left_at', 'is', null).execute();
    return bumped.seat_generation;
  });
}

/**
 * Takes seats for a batch of admissions, one per entry, in one statement: each
 * event's row is locked once, and its first free-seat-many entries of its current
 * generation get a seat. Exact however many nodes admit at once; one commit
 * however many arrive together.
 */
export async function claimSeats(db: Kysely<Database>, claims: ReadonlyArray<{ eventId: string; generation: number }>): Promise<SeatClaim[]> {
  if (claims.length === 0) return [];
  const result = await sql<{ event_id: string; generation: number; granted: number; current: boolean }>`
    with wanted as (
      select event_id, generation, count(*)::int as n
        from unnest(${claims.map((c) => c.eventId)}::uuid[], ${claims.map((c) => c.generation)}::int[]) as t(event_id, generation)
       group by event_id, generation
    ), locked as (
      select e.id, e.seat_generation, greatest(e.capacity - e.attendee_count, 0) as free
        from events e where e.id in (select event_id from wanted)
         for update of e
    ), granted as (
      select w.event_id, w.generation, l.seat_generation = w.generation as current,
             (case when l.seat_generation = w.generation then least(w.n, l.free) else 0 end)::int as granted
        from wanted w join locked l on l.id = w.event_id
    ), taken as (
      update events e set attendee_count = e.attendee_count + g.granted
        from granted g where e.id = g.event_id and g.granted > 0
      returning e.id
    )
    select event_id, generation, granted, current from granted`.execute(db);
  const key = (eventId: string, generation: number) => `${eventId}/${generation}`;
  const left = new Map(result.rows.map((r) => [key(r.event_id, Number(r.generation)), { free: Number(r.granted), current: r.current }]));
  return claims.map((claim): SeatClaim => {
    const found = left.get(key(claim.eventId, claim.generation));
    if (found && !found.current) return 'superseded';
    if (!found || found.free <= 0) return 'full';
    found.free -= 1;
    return 'granted';
  });
}

/**
 * Opens attendance for a batch of arrivals, in one statement: the same statement for any batch
 * (columns as arrays; rows of values would be another statement for every batch size). An
 * arrival of an older generation than the event's stores nothing.
 */
export async function recordArrivals(db: Kysely<Database>, arrivals: ReadonlyArray<{ eventId: string; userId: string; generation: number; at: Date }>): Promise<void> {
  if (arrivals.length === 0) return;
  await sql`
    insert into attendance (event_id, user_id, joined_at, generation)
    select a.event_id, a.user_id, a.joined_at, a.generation
      from unnest(${arrivals.map((a) => a.eventId)}::uuid[], ${arrivals.map((a) => a.userId)}::uuid[],
                  ${arrivals.map((a) => a.at)}::timestamptz[], ${arrivals.map((a) => a.generation)}::int[])
           as a(event_id, user_id, joined_at, generation)
     -- An account erased while its arrival was on its way: as committed when this statement
     -- began (one that began before the erasure committed is swept after it, finishErasure).
     where not exists (select 1 from users u where u.id = a.user_id and u.deleted_at is not null)
       -- Locked (shared), so a new generation's start waits for this and then closes what it opened.
       and exists (select 1 from events e where e.id = a.event_id and e.seat_generation = a.generation for share)`.execute(db);
}

/**
 * Closes attendance and gives back seats, for a batch of departures, in one statement.
 * A seat comes back once: with the attendance of its generation that this statement
 * closes, or, when the person has none of that generation at all (their arrival was
 * never stored, or their account was erased meanwhile), with the departure itself.
 * So a departure tried again after a failure that had in fact committed, or one of an
 * older generation (whose attendance the new one closed), gives back nothing.
 */
export async function recordDepartures(
  db: Kysely<Database>,
  departures: ReadonlyArray<{ eventId: string; userId: string; seated: boolean; generation: number; at: Date }>,
): Promise<void> {
  if (departures.length === 0) return;
  await sql`
    with d as (
      select * from unnest(${departures.map((d) => d.eventId)}::uuid[], ${departures.map((d) => d.userId)}::uuid[],
                           ${departures.map((d) => d.at)}::timestamptz[], ${departures.map((d) => d.seated)}::boolean[],
                           ${departures.map((d) => d.generation)}::int[])
             as d(event_id, user_id, at, seated, generation)
    ), closed as (
      update attendance a set left_at = d.at
        from d
       where a.event_id = d.event_id and a.user_id = d.user_id and a.generation = d.generation and a.left_at is null
      returning a.event_id, a.user_id, a.generation
    ), freed as (
      select d.event_id, d.generation, count(*)::int as n
        from d
       where d.seated
         and (exists (select 1 from closed c where c.event_id = d.event_id and c.user_id = d.user_id and c.generation = d.generation)
              or not exists (select 1 from attendance a where a.event_id = d.event_id and a.user_id = d.user_id and a.generation = d.generation))
       group by d.event_id, d.generation
    )
    update events e set attendee_count = greatest(e.attendee_count - f.n, 0)
      from freed f
     where e.id = f.event_id and e.seat_generation = f.generation`.execute(db);
}
