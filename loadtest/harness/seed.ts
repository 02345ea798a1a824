import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../db/database';
import { insertUsersBulk } from '../../db/repositories/userRepository';
import { AccessTokenService } from '../../server/auth/accessTokens';
import { hashPassword } from '../../server/auth/passwordHasher';
import type { TokenPair } from '../../server/http/authContracts';

export interface SeededUser {
  readonly userId: string;
  readonly accessToken: string;
}

export const BENCH_PASSWORD = 'kismet-bench-password';

/**
 * Creates users for a run. On Postgres they are inserted directly (one Argon2
 * hash shared by all, since hashing 50,000 passwords would be the benchmark) and
 * given real access tokens signed with the nodes' secret; on the embedded
 * database, whose files only the node may open, they register over HTTP.
 */
export async function seedUsers(
  count: number,
  target: { readonly databaseUrl?: string; readonly nodeUrl: string; readonly jwtSecret: string; readonly tokenTtlS: number },
): Promise<SeededUser[]> {
  if (!target.databaseUrl) {
    const users: SeededUser[] = [];
    for (let i = 0; i < count; i++) {
      const response = await fetch(`${target.nodeUrl}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `bench-${randomUUID()}@kismet.test`, password: BENCH_PASSWORD }),
      });
      if (response.status !== 201) throw new Error(`seeding: register answered ${response.status}`);
      const body = (await response.json()) as TokenPair;
      users.push({ userId: body.userId, accessToken: body.accessToken });
    }
    return users;
  }
  const database = await openDatabase({ kind: 'postgres', url: target.databaseUrl, poolSize: 4 });
  const db = database.db;
  try {
    const passwordHash = await hashPassword(BENCH_PASSWORD);
    const ids = Array.from({ length: count }, () => randomUUID());
    for (let i = 0; i < ids.length; i += 2000) {
      await insertUsersBulk(db, ids.slice(i, i + 2000).map((id) => ({ id, email: `bench-${id}@kismet.test`, passwordHash })));
    }
    const tokens = new AccessTokenService(target.jwtSecret, target.tokenTtlS);
    return Promise.all(ids.map(async (userId) => ({ userId, accessToken: await tokens.sign(userId) })));
  } finally {
    await database.close();
  }
}
