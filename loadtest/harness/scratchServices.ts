import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Client as PgClient } from 'pg';

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

/** A Redis logical database of its own for one run, emptied before and after. */
export async function scratchRedis(baseUrl: string, db: number): Promise<{ url: string; redis: Redis; flush(): Promise<void>; close(): Promise<void> }> {
  const url = new URL(baseUrl);
  url.pathname = `/${db}`;
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
