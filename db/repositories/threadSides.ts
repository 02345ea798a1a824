import { sql, type RawBuilder } from 'kysely';

/**
 * Whether a block between the members `a` and `b` (aliases of match_members)
 * ends their match: between the two parties, and between a colleague and the
 * party on the other side (the candidate); never between the job's owner and
 * the colleagues they added, or between colleagues. These are a thread's two
 * sides: what a block between them ends, and whom any end of the match parts
 * (peopleApart.ts).
 */
export function blockEndsThreadSql(a: string, b: string): RawBuilder<boolean> {
  const [x, y] = [sql.ref(a), sql.ref(b)];
  return sql<boolean>`((${x}.role = 'party' and ${y}.role = 'party')
    or (${x}.role = 'colleague' and ${y}.role = 'party' and ${y}.user_id is distinct from ${x}.added_by)
    or (${y}.role = 'colleague' and ${x}.role = 'party' and ${x}.user_id is distinct from ${y}.added_by))`;
}
