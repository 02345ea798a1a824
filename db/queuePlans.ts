import { sql } from 'kysely';
import { UNPREPARED } from './preparingPool';

/**
 * Put in front of a statement on an outbox (a queue table): Postgres plans it
 * at each run, for the table as it is then. The pool's connections otherwise
 * plan a statement once, for any values (db/database.ts), and keep that plan
 * until the table's statistics are next refreshed. A queue's size swings: a
 * node that planned its lease while the outbox was empty scanned the whole
 * outbox for every row it leased once a burst filled it (a lease of 256 rows
 * took 0.5–3.5 s with 5,000 rows waiting). The statements are small, and run
 * a few times a second at most, so planning each run costs little.
 */
export const QUEUE_PLAN = sql.raw(`${UNPREPARED} `);
