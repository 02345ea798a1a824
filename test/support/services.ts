import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Client as PgClient } from 'pg';

/**
 * Real Postgres and Redis for the suites that need them. Without DATABASE_URL and
 * REDIS_URL such a suite is skipped with the reason, except under CI=true, where
 * it fails: CI must never pass by skipping.
 */
export interface Services {
  readonly databaseUrl: string;
  readonly redisUrl: string;
}

export function servicesOrSkip(context: Mocha.Context, needs: { postgres?: boolean; redis?: boolean }): Services | undefined {
  const missing = [
    needs.postgres && !process.env['DATABASE_URL'] ? 'DATABASE_URL' : undefined,
    needs.redis && !process.env['REDIS_URL'] ? 'REDIS_URL' : undefined,
  ].filter((v): v is string => v !== undefined);
  if (missing.length > 0) {
    const reason = `needs ${missing.join(' and ')} (real services); set them to run this suite`;
    if (process.env['CI'] === 'true') throw new Error(`CI: ${reason}`);
    process.stdout.write(`      skipped: ${reason}\n`);
    context.skip();
    return undefined;
  }
  return { databaseUrl: process.env['DATABASE_URL'] ?? '', redisUrl: process.env['REDIS_URL'] ?? '' };
}

/** A fresh, empty Postgres database for one suite, dropped afterwards. */
export async function createScratchDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `kismet_test_${randomBytes(6).toString('hex')}`;
  const admin = new PgClient({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new PgClient({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The Redis logical database the cluster suites use, emptied before and after. */
export const TEST_REDIS_DB = Number(process.env['KISMET_TEST_REDIS_DB'] ?? 13);

export async function scratchRedis(baseUrl: string): Promise<{ url: string; redis: Redis; flush(): Promise<void>; close(): Promise<void> }> {
  const url = new URL(baseUrl);
  url.pathname = `/${TEST_REDIS_DB}`;
  const redis = new Redis(url.toString(), { maxRetriesPerRequest: 2 });
  await redis.flushdb();
  return {
    url: url.toString(),
    redis,
    flush: async () => {
      await redis.flushdb();
    },
    close: async () => {
      await redis.flushdb();
      await redis.quit();
    },
  };
}
