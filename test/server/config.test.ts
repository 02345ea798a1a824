import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, DEFAULT_PORT, DEVELOPMENT_JWT_SECRET, DEVELOPMENT_LIVEKIT, loadConfig } from '../../server/config';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  describe('with no variables', () => {
    const config = loadConfig({});
    it('runs one embedded node on the default port', () => {
      assert.equal(config.http.port, DEFAULT_PORT);
      assert.equal(config.database.kind, 'pglite');
      assert.equal(config.redis, undefined);
      assert.equal(config.http.publicAddress, undefined);
    });
    it('keeps the embedded database under .data', () => {
      assert.equal(config.database.kind === 'pglite' && config.database.dataDir, path.resolve('.data', 'pglite'));
    });
    it('is frozen', () => assert.throws(() => ((config.http as { port: number }).port = 1)));
  });

  describe('with services', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://127.0.0.1:5432/kismet', REDIS_URL: 'redis://127.0.0.1:6379', PORT: '2600' });
    it('uses Postgres and Redis, and advertises this node by port', () => {
      assert.deepEqual(config.database, { kind: 'postgres', url: 'postgres://127.0.0.1:5432/kismet', poolSize: 10 });
      assert.deepEqual(config.redis, { url: 'redis://127.0.0.1:6379' });
      assert.equal(config.http.publicAddress, '127.0.0.1:2600');
    });
  });

  describe('bad values', () => {
    it('names the variable of a bad port', () => assert.match(problemsOf({ PORT: 'eighty' })[0] ?? '', /^PORT:/));
    it('names the variable of a bad database URL', () => assert.match(problemsOf({ DATABASE_URL: 'mysql://x' })[0] ?? '', /^DATABASE_URL:/));
    it('names the variable of a bad Redis URL', () => assert.match(problemsOf({ REDIS_URL: 'nope' })[0] ?? '', /^REDIS_URL:/));
    it('refuses Redis without a shared Postgres', () => assert.match(problemsOf({ REDIS_URL: 'redis://127.0.0.1:6379' })[0] ?? '', /^DATABASE_URL:/));
  });

  describe('in production', () => {
    it('refuses a missing signing secret', () => assert.match(problemsOf({ NODE_ENV: 'production' })[0] ?? '', /^JWT_SECRET: must be set/));
    it('refuses the development secret', () =>
      assert.match(problemsOf({ NODE_ENV: 'production', JWT_SECRET: DEVELOPMENT_JWT_SECRET })[0] ?? '', /^JWT_SECRET: the development secret/));
    it('refuses a short secret', () => assert.match(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'short' })[0] ?? '', /^JWT_SECRET: must be at least/));
    const liveKit = { LIVEKIT_URL: 'wss://media.example.com', LIVEKIT_API_KEY: 'key', LIVEKIT_API_SECRET: 'y'.repeat(40) };
    it('accepts a real secret', () =>
      assert.equal(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), ...liveKit }).auth.jwtSecret, 'x'.repeat(40)));
    it('refuses to run calls on the development LiveKit key', () => {
      assert.match(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) })[0] ?? '', /^LIVEKIT_API_SECRET:/);
      assert.match(
        problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), ...liveKit, LIVEKIT_API_SECRET: DEVELOPMENT_LIVEKIT.apiSecret })[0] ?? '',
        /^LIVEKIT_API_SECRET:/,
      );
    });
  });

  describe('LiveKit', () => {
    it('uses the development key and says so when nothing is set', () => {
      const config = loadConfig({});
      assert.deepEqual(config.liveKit, { ...DEVELOPMENT_LIVEKIT, development: true });
    });
    it('takes all three settings, or refuses a partial set', () => {
      const liveKit = { LIVEKIT_URL: 'wss://media.example.com', LIVEKIT_API_KEY: 'key', LIVEKIT_API_SECRET: 'secret-of-the-server' };
      assert.deepEqual(loadConfig(liveKit).liveKit, { url: liveKit.LIVEKIT_URL, apiKey: 'key', apiSecret: 'secret-of-the-server', development: false });
      assert.match(problemsOf({ LIVEKIT_API_KEY: 'key' })[0] ?? '', /^LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET:/);
    });
  });
});
