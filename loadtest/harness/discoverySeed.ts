import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../db/database';
import { analyzeTables } from '../../db/maintenance';
import { insertCardsBulk } from '../../db/repositories/cardRepository';
import { insertUsersBulk, placeOwnersAtPersonCards } from '../../db/repositories/userRepository';
import { destinationPoint, placeLocation, type LatLng } from '../../domain/geo';
import { AccessTokenService } from '../../server/auth/accessTokens';
import { hashPassword } from '../../server/auth/passwordHasher';
import { NO_HIRING_FIELDS } from '../../domain/cardRules';
import { BENCH_PASSWORD } from './seed';

/** Central Bengaluru (MG Road): the metro area the deck scenario fills. */
export const METRO_CENTRE: LatLng = { lat: 12.9756, lng: 77.6067 };
export const METRO_RADIUS_KM = 20;

// A small vocabulary, so that most pairs share interests and words and a good
// share of candidates score over the threshold, as in a real deck.
const INTERESTS = ['hiking', 'jazz', 'cooking', 'cricket'];
const WORDS = ['coffee', 'travel', 'music', 'books', 'dogs', 'yoga', 'films', 'startups'];

/** A small deterministic generator (mulberry32), so every run seeds the same city. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const chosen: T[] = [];
  while (chosen.length < count && pool.length > 0) chosen.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]!);
  return chosen;
}

export interface DiscoverySearcher {
  readonly userId: string;
  readonly accessToken: string;
  readonly cardId: string;
}

/**
 * `cards` people spread evenly over the metro disc, each with a person card
 * in the cell of where they are; the first `searchers` of them are returned
 * with access tokens, to ask for decks. Postgres only: 100,000 accounts are
 * inserted directly.
 */
export async function seedDiscoveryCity(
  cards: number,
  searchers: number,
  target: { readonly databaseUrl?: string; readonly jwtSecret: string; readonly tokenTtlS: number },
  resolution: number,
): Promise<DiscoverySearcher[]> {
  if (!target.databaseUrl) throw new Error('the deck scenario seeds Postgres directly: set DATABASE_URL and REDIS_URL');
  const database = await openDatabase({ kind: 'postgres', url: target.databaseUrl, poolSize: 4 });
  const rand = random(20261123);
  try {
    const passwordHash = await hashPassword(BENCH_PASSWORD);
    const people = Array.from({ length: cards }, () => ({ userId: randomUUID(), cardId: randomUUID() }));
    const CHUNK = 2000;
    for (let i = 0; i < people.length; i += CHUNK) {
      const chunk = people.slice(i, i + CHUNK);
      await insertUsersBulk(database.db, chunk.map((p) => ({ id: p.userId, email: `deck-${p.userId}@kismet.test`, passwordHash })));
      await insertCardsBulk(
        database.db,
        chunk.map((p, j) => {
          // Uniform over the disc: the radius goes as the square root.
          const at = destinationPoint(METRO_CENTRE, METRO_RADIUS_KM * Math.sqrt(rand()), rand() * 360);
          return {
            id: p.cardId,
            ownerId: p.userId,
            kind: 'person' as const,
            title: `person ${i + j}`,
            bio: pick(rand, WORDS, 5).join(' '),
            tags: pick(rand, INTERESTS, 3).map((tag) => ({ tag, weight: 3 + Math.floor(rand() * 3) })),
            birthYear: 1980 + Math.floor(rand() * 25),
            ...NO_HIRING_FIELDS,
            lat: at.lat,
            lng: at.lng,
            h3Cell: placeLocation(at.lat, at.lng, resolution).cell,
          };
        }),
      );
    }
    const chosen = people.slice(0, searchers);
    await placeOwnersAtPersonCards(database.db, chosen.map((p) => p.userId));
    await analyzeTables(database.db);
    const tokens = new AccessTokenService(target.jwtSecret, target.tokenTtlS);
    return Promise.all(chosen.map(async (p) => ({ userId: p.userId, cardId: p.cardId, accessToken: await tokens.sign(p.userId, randomUUID()) })));
  } finally {
    await database.close();
  }
}
