import { sql, type Kysely, type Transaction } from 'kysely';
import { isLockNotAvailable } from '../faults';
import type { Database } from '../types';

/**
 * Starts and answers of calls are serialised by this one lock, so the cluster's cap and each
 * person's one call at a time hold however many nodes act at once. (The key predates answers
 * taking it too; nodes of two versions must take the same one.) Nothing waits on a row while
 * holding it: every start and answer in the cluster waits behind whoever holds it.
 */
export async function lockCallLines(trx: Transaction<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('kismet:call-starts'))`.execute(trx);
}

/** The rows a call start holds to its end: its match's, and its two people's. */
export interface CallStartRows {
  readonly matchId: string;
  readonly callerId: string;
  readonly calleeId: string;
}

/**
 * Holds the match row as it is until the transaction ends, so the call is stored only on a
 * match still active. An unmatch or a block ends a match by updating its row (matchRepository
 * endMatches), whose lock conflicts with this one:
 * - the end updated the row first: the start waits for it to commit, and its read after sees it ended;
 * - the start holds the row first: the end waits for the call to commit, and the calls of the
 *   ended match are looked up only once the end committed (services/moderation
 *   announceMatchesEnded), so that lookup finds the call and ends it.
 * The two people's rows are held too (key share, what storing the call's keys to them takes),
 * so nothing of the insert waits either: an erasure holds its account's row for its length.
 * They come first, as an erasure takes the account's row before the matches.
 * `nowait`: refused at once (55P03) instead of waiting for a row another transaction holds.
 */
async function holdCallStartRows(trx: Transaction<Database>, rows: CallStartRows, nowait: boolean): Promise<void> {
  const people = trx.selectFrom('users').select('id').where('id', 'in', [rows.callerId, rows.calleeId]).forKeyShare();
  await (nowait ? people.noWait() : people).execute();
  const match = trx.selectFrom('matches').select('id').where('id', '=', rows.matchId).forShare();
  await (nowait ? match.noWait() : match).execute();
}

/**
 * Runs a call start's `work` in a transaction holding the call lock and the start's rows
 * (holdCallStartRows), never waiting on a row while holding the call lock: a match row held
 * long (an erasure's transaction holds all of the person's matches until it commits) would
 * hold up every call start in the cluster with its own. First the call lock, then the rows
 * without waiting: a start waiting for the call lock holds nothing its match's end waits on,
 * and one that gets both goes on as before. When a row is held, that transaction is rolled
 * back (letting the call lock go), and the next waits for the rows first, then for the call
 * lock, holding the rows: the end of its match waits, at most, for the starts ahead of it.
 * `work` sees the match as it is once held either way, and runs whole in one of the two.
 */
export async function underCallStartLocks<T>(db: Kysely<Database>, rows: CallStartRows, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  try {
    return await db.transaction().execute(async (trx) => {
      await lockCallLines(trx);
      await holdCallStartRows(trx, rows, true);
      return work(trx);
    });
  } catch (error) {
    if (!isLockNotAvailable(error)) throw error;
  }
  return db.transaction().execute(async (trx) => {
    await holdCallStartRows(trx, rows, false);
    await lockCallLines(trx);
    return work(trx);
  });
}
