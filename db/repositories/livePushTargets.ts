import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../types';
import { UNPREPARED } from '../preparingPool';

/**
 * Whether the log-in session that registered push target `alias` is live: it holds a refresh
 * token neither spent, revoked nor expired (a session's newest token; a rotation spends the one
 * before). A session logged out or revoked, or one nobody refreshed within a refresh token's
 * lifetime (a phone sold or shared, a browser left signed in), reaches its device no more from
 * that moment, before any sweep deletes the target; a target without a session (no sign-in
 * vouches for it) never is. One probe of the partial index of unspent tokens (migration
 * 2026_12_09_0090). Written into every statement that reads targets for a push.
 *
 * @example sql`select t.device_id from push_targets t where t.user_id = ${userId} and ${liveSessionOf('t')}`
 */
export function liveSessionOf(alias: string): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from refresh_tokens live_token
                                where live_token.family_id = ${sql.ref(`${alias}.session_id`)}
                                  and live_token.used_at is null and live_token.revoked_at is null
                                  and live_token.expires_at > statement_timestamp())`;
}

/**
 * Deletes, in batches, the push targets whose session is not live (see liveSessionOf): they
 * are pushed nothing already, and would otherwise stay for ever. A session that ended stays
 * ended (no token of it comes back), so a target still naming it is deleted whenever it is
 * reached; one registered again by another session meanwhile is not. Run by the retention job
 * under its lock; planned for the moment at each round (UNPREPARED), as its other deletes.
 */
export async function deletePushTargetsOfEndedSessions(connection: Kysely<Database>, batch: number): Promise<number> {
  let targets = 0;
  for (;;) {
    const deleted = await sql`${sql.raw(UNPREPARED)}
      delete from push_targets d using (
        select t.user_id, t.device_id, t.session_id from push_targets t where not ${liveSessionOf('t')} limit ${batch}
      ) ended
       where d.user_id = ended.user_id and d.device_id = ended.device_id
         -- Registered again meanwhile, by a session signed in since: that one is kept.
         and d.session_id is not distinct from ended.session_id`.execute(connection);
    const count = Number(deleted.numAffectedRows ?? 0);
    targets += count;
    if (count < batch) return targets;
  }
}
