import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../db/database';
import type { Kysely } from 'kysely';
import { insertCardsBulk } from '../../db/repositories/cardRepository';
import { NO_HIRING_FIELDS } from '../../domain/cardRules';
import { insertMatchesBulk } from '../../db/repositories/matchRepository';
import { insertSwipesBulk } from '../../db/repositories/swipeRepository';
import type { Database } from '../../db/types';
import { analyzeTables } from '../../db/maintenance';
import type { SwipeResult } from '../../contracts/session';
import type { ErrorMessage, ReplyMessage } from '../../contracts/common';
import { ServerMessageType } from '../../contracts/common';
import { connectBenchSession } from '../client/benchSession';
import { insertUsersBulk } from '../../db/repositories/userRepository';
import { AccessTokenService } from '../../server/auth/accessTokens';
import { hashPassword } from '../../server/auth/passwordHasher';
import type { TokenPair } from '../../contracts/auth';

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
    // Every access token names a log-in session; a seeded one has none stored, so nothing refreshes or revokes it.
    const tokens = new AccessTokenService(target.jwtSecret, target.tokenTtlS);
    return Promise.all(ids.map(async (userId) => ({ userId, accessToken: await tokens.sign(userId, randomUUID()) })));
  } finally {
    await database.close();
  }
}

/**
 * Gives each user a person card: inserted directly on Postgres, created over
 * HTTP on the embedded database. Returns the card ids in the users' order.
 */
export async function seedPersonCards(
  users: readonly SeededUser[],
  target: { readonly databaseUrl?: string; readonly nodeUrl: string },
): Promise<string[]> {
  if (!target.databaseUrl) {
    const ids: string[] = [];
    for (const [i, user] of users.entries()) {
      const response = await fetch(`${target.nodeUrl}/cards`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}` },
        body: JSON.stringify({ kind: 'person', title: `bench ${i}`, birthYear: 1990 }),
      });
      if (response.status !== 201) throw new Error(`seeding: card answered ${response.status}`);
      ids.push(((await response.json()) as { id: string }).id);
    }
    return ids;
  }
  const database = await openDatabase({ kind: 'postgres', url: target.databaseUrl, poolSize: 2 });
  try {
    const cards = users.map((user, i) => ({
      id: randomUUID(),
      ownerId: user.userId,
      kind: 'person' as const,
      title: `bench ${i}`,
      bio: '',
      tags: [],
      birthYear: 1990,
      ...NO_HIRING_FIELDS,
      lat: null,
      lng: null,
      h3Cell: null,
    }));
    for (let i = 0; i < cards.length; i += 2000) await insertCardsBulk(database.db, cards.slice(i, i + 2000));
    await seedHistory(database.db, users, cards);
    await analyzeTables(database.db);
    return cards.map((c) => c.id);
  } finally {
    await database.close();
  }
}

/** Earlier swipes per user, dated yesterday so they do not count against today's quota. */
export const HISTORY_SWIPES_PER_USER = 20;

/**
 * Gives a run the tables of a service that has been up a while: each user's
 * earlier passes and some earlier matches, then fresh planner statistics. On
 * empty tables Postgres plans scans, and prepared statements keep those plans
 * as the tables fill. The history never touches a card pair a plan swipes: plans
 * go forward from a user's own card (self + 2 + k), history backward (self - 3 - j),
 * and earlier matches join cards half the run apart.
 */
async function seedHistory(db: Kysely<Database>, users: readonly SeededUser[], cards: ReadonlyArray<{ id: string; ownerId: string }>): Promise<void> {
  const n = cards.length;
  const yesterday = new Date(Date.now() - 86_400_000);
  const swipes = cards.flatMap((card, i) =>
    Array.from({ length: Math.min(HISTORY_SWIPES_PER_USER, Math.max(0, n - 6)) }, (_, j) => ({
      fromCardId: card.id,
      toCardId: cards[(((i - 3 - j) % n) + n) % n]!.id,
      swiperId: users[i]!.userId,
      action: 'pass' as const,
      at: yesterday,
    })),
  );
  for (let i = 0; i < swipes.length; i += 5000) await insertSwipesBulk(db, swipes.slice(i, i + 5000));
  const half = Math.floor(n / 2);
  const matches = half < 4 ? [] : Array.from({ length: Math.floor(half / 2) }, (_, k) => ({ id: randomUUID(), cardA: cards[2 * k]!, cardB: cards[2 * k + half]! }));
  for (let i = 0; i < matches.length; i += 2000) await insertMatchesBulk(db, matches.slice(i, i + 2000));
}

/**
 * Matches users 2p and 2p+1 (cards in the users' order) and returns the match ids:
 * inserted directly on Postgres; on the embedded database, by the two likes
 * through their sessions.
 */
export async function seedMatchedPairs(
  users: readonly SeededUser[],
  cardIds: readonly string[],
  target: { readonly databaseUrl?: string; readonly nodeUrl: string },
): Promise<string[]> {
  const pairs = Math.floor(users.length / 2);
  if (target.databaseUrl) {
    const database = await openDatabase({ kind: 'postgres', url: target.databaseUrl, poolSize: 2 });
    try {
      const matches = Array.from({ length: pairs }, (_, p) => ({
        id: randomUUID(),
        cardA: { id: cardIds[2 * p]!, ownerId: users[2 * p]!.userId },
        cardB: { id: cardIds[2 * p + 1]!, ownerId: users[2 * p + 1]!.userId },
      }));
      for (let i = 0; i < matches.length; i += 2000) await insertMatchesBulk(database.db, matches.slice(i, i + 2000));
      return matches.map((m) => m.id);
    } finally {
      await database.close();
    }
  }
  const like = async (self: number, other: number): Promise<SwipeResult> => {
    let settle: (answer: ReplyMessage<SwipeResult> | ErrorMessage) => void = () => {};
    const answer = new Promise<ReplyMessage<SwipeResult> | ErrorMessage>((resolve) => (settle = resolve));
    const session = await connectBenchSession(target.nodeUrl, users[self]!, (type, message) => {
      if (type === ServerMessageType.REPLY || type === ServerMessageType.ERROR) settle(message as ReplyMessage<SwipeResult> | ErrorMessage);
    });
    session.send('swipe', { ref: 'seed', fromCardId: cardIds[self]!, toCardId: cardIds[other]!, action: 'like' });
    const result = await answer;
    session.close();
    if (!('ok' in result)) throw new Error(`seeding: like answered ${result.code}`);
    return result.result;
  };
  const ids: string[] = [];
  for (let p = 0; p < pairs; p++) {
    await like(2 * p, 2 * p + 1);
    const second = await like(2 * p + 1, 2 * p);
    if (!second.matchId) throw new Error(`seeding: pair ${p} did not match`);
    ids.push(second.matchId);
  }
  return ids;
}
