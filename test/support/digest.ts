import type { Pool } from 'pg';

const TABLES = ['users', 'cards', 'preferences', 'swipes', 'like_pairs', 'matches', 'match_members', 'messages', 'read_markers', 'stored_events', 'blocks', 'reports', 'refresh_tokens'];

/**
 * A digest of every row a refused request could touch. Of users, presence and
 * last-seen change by connecting, by design, and the event counter is covered
 * by the events themselves.
 */
export async function databaseDigest(pool: Pool): Promise<string> {
  const parts: string[] = [];
  for (const table of TABLES) {
    const projection = table === 'users' ? '(t.id, t.email, t.role, t.is_premium, t.status, t.shadow_banned, t.likes_received, t.lat, t.lng, t.h3_cell)' : 't';
    const { rows } = await pool.query<{ digest: string | null }>(`select md5(string_agg(${projection}::text, ',' order by ${projection}::text)) as digest from ${table} t`);
    parts.push(`${table}:${rows[0]!.digest}`);
  }
  return parts.join(' ');
}
