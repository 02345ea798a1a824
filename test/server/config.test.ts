import assert from 'node:assert/strict';
import path from 'node:path';
import { generateVAPIDKeys } from 'web-push';
import { ConfigError, DEFAULT_PORT, DEVELOPMENT_JWT_SECRET, DEVELOPMENT_LIVEKIT, loadConfig as load, type ConfigSources } from '../../server/config';

/** The secrets a development node would make and keep in its data folder. */
const OWN = { jwtSecret: 'own-'.repeat(10), liveKitApiKey: 'own-key', liveKitApiSecret: 'own-secret-'.repeat(4), vapid: generateVAPIDKeys() };
const sources: ConfigSources = { localSecrets: () => OWN };
const loadConfig = (env: NodeJS.ProcessEnv) => load(env, sources);
const SECRET = 'x'.repeat(40);

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const liveKitServer = { LIVEKIT_URL: 'wss://media.example.com', LIVEKIT_API_KEY: 'key', LIVEKIT_API_SECRET: 'y'.repeat(40) };
const POSTGRES = 'postgres://127.0.0.1:5432/kismet';
const REDIS = 'redis://127.0.0.1:6379';
/** Where photos may be: required on any node but a local development one. */
const MEDIA = { MEDIA_HOSTS: 'photos.example.com' };
/** What a production node needs besides its signing secret. */
const productionServices = { ...liveKitServer, MEDIA_HOSTS: 'photos.example.com', DATABASE_URL: POSTGRES };

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
    it('keeps delivered stored events 30 days, and spent refresh tokens a lifetime past their expiry, tried every 15 minutes', () => {
      assert.deepEqual(config.retention, { storedEventMaxAgeMs: 30 * 24 * 3_600_000, pruneIntervalMs: 15 * 60_000, spentTokenKeptMs: 7 * 24 * 3_600_000 });
      assert.equal(loadConfig({ STORED_EVENT_RETENTION_DAYS: '0.5' }).retention.storedEventMaxAgeMs, 12 * 3_600_000);
    });
    it('listens on loopback alone, as a local development node', () => {
      assert.equal(config.http.host, '127.0.0.1');
      assert.equal(config.local, true);
    });
    it('signs with secrets of its own from the data folder, never a public one', () => {
      assert.equal(config.auth.jwtSecret, OWN.jwtSecret);
      assert.equal(config.auth.secretSource, 'data-folder');
      assert.deepEqual([config.liveKit.apiKey, config.liveKit.apiSecret, config.liveKit.keySource], [OWN.liveKitApiKey, OWN.liveKitApiSecret, 'data-folder']);
    });
  });

  describe('with services', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://127.0.0.1:5432/kismet', REDIS_URL: 'redis://127.0.0.1:6379', PORT: '2600', JWT_SECRET: SECRET, ...MEDIA });
    it('uses Postgres and Redis, and advertises this node by port', () => {
      assert.deepEqual(config.database, { kind: 'postgres', url: 'postgres://127.0.0.1:5432/kismet', poolSize: 10 });
      assert.deepEqual(config.redis, { url: 'redis://127.0.0.1:6379' });
      assert.equal(config.http.publicAddress, '127.0.0.1:2600');
    });
  });

  describe('the address a cluster advertises', () => {
    const cluster = { DATABASE_URL: POSTGRES, REDIS_URL: REDIS, JWT_SECRET: SECRET, ...MEDIA };
    it('refuses loopback on a node that listens for other machines, where remote clients would be sent to themselves', () => {
      assert.deepEqual(problemsOf({ ...cluster, HOST: '0.0.0.0' }), [
        "PUBLIC_HOST: 127.0.0.1:2567 is loopback, yet this node listens on 0.0.0.0 and a cluster (REDIS_URL) sends other machines' clients to it; set PUBLIC_HOST to the address they reach it at",
      ]);
      assert.match(problemsOf({ ...cluster, HOST: '10.0.0.5', PUBLIC_HOST: 'localhost' })[0] ?? '', /^PUBLIC_HOST: localhost:2567 is loopback/);
      for (const address of ['127.0.0.1:2567/kismet', '[::1]:2567', 'localhost']) {
        assert.match(problemsOf({ ...cluster, HOST: '0.0.0.0', PUBLIC_ADDRESS: address })[0] ?? '', /^PUBLIC_ADDRESS: .* is loopback/, address);
      }
      const production = { ...cluster, ...productionServices, NODE_ENV: 'production' };
      assert.match(problemsOf(production)[0] ?? '', /^PUBLIC_HOST: 127.0.0.1:2567 is loopback/, 'production listens on every interface');
      assert.equal(loadConfig({ ...production, PUBLIC_HOST: 'kismet-1.example.com' }).http.publicAddress, 'kismet-1.example.com:2567');
    });
    it('takes loopback on a node that listens on loopback, and anything without Redis, which advertises nothing', () => {
      assert.equal(loadConfig({ ...cluster, HOST: '127.0.0.1' }).http.publicAddress, '127.0.0.1:2567');
      assert.equal(loadConfig({ ...cluster, HOST: '0.0.0.0', PUBLIC_ADDRESS: 'edge.example.com:443/kismet-1' }).http.publicAddress, 'edge.example.com:443/kismet-1');
      assert.equal(loadConfig({ DATABASE_URL: POSTGRES, JWT_SECRET: SECRET, ...MEDIA, HOST: '0.0.0.0' }).http.publicAddress, undefined);
    });
  });

  describe('bad values', () => {
    it('names the variable of a bad port', () => assert.match(problemsOf({ PORT: 'eighty' })[0] ?? '', /^PORT:/));
    it('names the variable of a bad database URL', () => assert.match(problemsOf({ DATABASE_URL: 'mysql://x' })[0] ?? '', /^DATABASE_URL:/));
    it('names the variable of a bad Redis URL', () => assert.match(problemsOf({ REDIS_URL: 'nope' })[0] ?? '', /^REDIS_URL:/));
    it('refuses Redis without a shared Postgres', () => assert.match(problemsOf({ REDIS_URL: 'redis://127.0.0.1:6379', JWT_SECRET: SECRET })[0] ?? '', /^DATABASE_URL:/));
    it('names a bad retention', () => {
      assert.match(problemsOf({ STORED_EVENT_RETENTION_DAYS: '0' })[0] ?? '', /^STORED_EVENT_RETENTION_DAYS:/);
      assert.match(problemsOf({ RETENTION_PRUNE_INTERVAL_MS: 'often' })[0] ?? '', /^RETENTION_PRUNE_INTERVAL_MS:/);
    });
    it('names a bad rate limit', () => assert.match(problemsOf({ RATE_LIMITS: 'deck=fast' })[0] ?? '', /^RATE_LIMITS: "deck=fast"/));
  });

  describe('CONNECTION_MESSAGE_RATE_PER_S, CONNECTION_MESSAGE_BURST', () => {
    it('lets a connection send 100 messages at once and 50 a second by default, or what they say', () => {
      assert.deepEqual(loadConfig({}).connectionMessages, { perSecond: 50, burst: 100 });
      assert.deepEqual(loadConfig({ CONNECTION_MESSAGE_RATE_PER_S: '2.5', CONNECTION_MESSAGE_BURST: '10' }).connectionMessages, { perSecond: 2.5, burst: 10 });
    });
    it('refuses no rate, and a burst that is not a whole positive number', () => {
      assert.match(problemsOf({ CONNECTION_MESSAGE_RATE_PER_S: '0' })[0] ?? '', /^CONNECTION_MESSAGE_RATE_PER_S:/);
      assert.match(problemsOf({ CONNECTION_MESSAGE_BURST: '1.5' })[0] ?? '', /^CONNECTION_MESSAGE_BURST:/);
    });
  });

  describe('REFRESH_REUSE_GRACE_MS', () => {
    it('gives a retried refresh 30 s by default, and none at 0', () => {
      assert.equal(loadConfig({}).auth.refreshReuseGraceMs, 30_000);
      assert.equal(loadConfig({ REFRESH_REUSE_GRACE_MS: '0' }).auth.refreshReuseGraceMs, 0);
    });
    it('refuses a negative grace, and one longer than 5 minutes', () => {
      assert.match(problemsOf({ REFRESH_REUSE_GRACE_MS: '-1' })[0] ?? '', /^REFRESH_REUSE_GRACE_MS:/);
      assert.match(problemsOf({ REFRESH_REUSE_GRACE_MS: '300001' })[0] ?? '', /^REFRESH_REUSE_GRACE_MS:/);
    });
  });

  describe('secrets beyond a local development node', () => {
    const services = { DATABASE_URL: 'postgres://127.0.0.1:5432/kismet', REDIS_URL: 'redis://127.0.0.1:6379' };
    it('needs a signing secret shared by the nodes', () => assert.match(problemsOf(services)[0] ?? '', /^JWT_SECRET: must be set with DATABASE_URL/));
    it('refuses the public development secret with services, or on another host', () => {
      assert.match(problemsOf({ ...services, JWT_SECRET: DEVELOPMENT_JWT_SECRET })[0] ?? '', /^JWT_SECRET: the public development secret/);
      assert.match(problemsOf({ HOST: '0.0.0.0', JWT_SECRET: DEVELOPMENT_JWT_SECRET })[0] ?? '', /^JWT_SECRET: the public development secret/);
      assert.equal(loadConfig({ JWT_SECRET: DEVELOPMENT_JWT_SECRET }).auth.jwtSecret, DEVELOPMENT_JWT_SECRET, 'a local node may be told to use it');
    });
    it('refuses a short secret', () => assert.match(problemsOf({ ...services, JWT_SECRET: 'short' })[0] ?? '', /^JWT_SECRET: must be at least/));
    it('keys erased accounts’ sanctions with EMAIL_SANCTION_SECRET, the signing secret without it, and refuses a short one', () => {
      assert.equal(loadConfig({ ...services, JWT_SECRET: SECRET, ...MEDIA }).auth.emailSanctionSecret, SECRET);
      const own = 'e'.repeat(40);
      assert.equal(loadConfig({ ...services, JWT_SECRET: SECRET, EMAIL_SANCTION_SECRET: own, ...MEDIA }).auth.emailSanctionSecret, own);
      assert.match(problemsOf({ ...services, JWT_SECRET: SECRET, EMAIL_SANCTION_SECRET: 'short', ...MEDIA })[0] ?? '', /^EMAIL_SANCTION_SECRET: must be at least/);
    });
    it('refuses LiveKit’s public development secret', () =>
      assert.match(problemsOf({ ...services, JWT_SECRET: SECRET, LIVEKIT_API_KEY: 'devkey', LIVEKIT_API_SECRET: DEVELOPMENT_LIVEKIT.apiSecret })[0] ?? '', /^LIVEKIT_API_SECRET:/));
    it('makes an embedded node on any host its own secrets rather than share a public one', () => {
      const config = loadConfig({ HOST: '0.0.0.0', ...MEDIA });
      assert.equal(config.local, false);
      assert.equal(config.auth.jwtSecret, OWN.jwtSecret);
    });
    it('signs a cluster’s media tokens with a random key of the process when no LiveKit is set', () => {
      const a = loadConfig({ ...services, JWT_SECRET: SECRET, ...MEDIA }).liveKit;
      const b = loadConfig({ ...services, JWT_SECRET: SECRET, ...MEDIA }).liveKit;
      assert.equal(a.keySource, 'process');
      assert.notEqual(a.apiSecret, b.apiSecret);
      assert.notEqual(a.apiSecret, DEVELOPMENT_LIVEKIT.apiSecret);
    });
  });

  describe('CORS_ORIGINS', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: SECRET, ...productionServices };
    it('grants any origin by default in development', () => assert.equal(loadConfig({}).http.corsOrigins, 'any'));
    it('grants none by default in production', () => assert.deepEqual(loadConfig(production).http.corsOrigins, []));
    it('grants none by default to any node but a local development one', () => {
      assert.deepEqual(loadConfig({ DATABASE_URL: POSTGRES, REDIS_URL: REDIS, JWT_SECRET: SECRET, ...MEDIA }).http.corsOrigins, []);
      assert.deepEqual(loadConfig({ DATABASE_URL: POSTGRES, JWT_SECRET: SECRET, ...MEDIA }).http.corsOrigins, []);
      assert.deepEqual(loadConfig({ HOST: '0.0.0.0', ...MEDIA }).http.corsOrigins, []);
      assert.equal(loadConfig({ HOST: '0.0.0.0', ...MEDIA, CORS_ORIGINS: '*' }).http.corsOrigins, 'any', 'unless told to, outside production');
    });
    it('takes a list of origins', () =>
      assert.deepEqual(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).http.corsOrigins, ['https://app.example.com', 'http://localhost:5173']));
    it('takes * outside production', () => assert.equal(loadConfig({ CORS_ORIGINS: '*' }).http.corsOrigins, 'any'));
    it('refuses * in production', () => assert.match(problemsOf({ ...production, CORS_ORIGINS: '*' })[0] ?? '', /^CORS_ORIGINS: "\*" is refused/));
    it('refuses what is not an origin', () => {
      for (const bad of ['app.example.com', 'https://app.example.com/', 'https://app.example.com/path', 'ftp://files.example.com']) {
        assert.match(problemsOf({ CORS_ORIGINS: bad })[0] ?? '', /^CORS_ORIGINS: .* is not an origin/, bad);
      }
    });
  });

  describe('CLUSTER_HOSTS', () => {
    it('names none by default', () => assert.deepEqual(loadConfig({}).http.clusterHosts, []));
    it('lists host names, lower-cased', () =>
      assert.deepEqual(loadConfig({ CLUSTER_HOSTS: 'Kismet-2.example.com, 10.0.0.3' }).http.clusterHosts, ['kismet-2.example.com', '10.0.0.3']));
    it('refuses what is not a host name: a scheme, a port, a wildcard', () => {
      for (const bad of ['https://kismet-2.example.com', 'kismet-2.example.com:2567', '*', '*.example.com']) {
        assert.match(problemsOf({ CLUSTER_HOSTS: bad })[0] ?? '', /^CLUSTER_HOSTS: host names/, bad);
      }
    });
  });

  describe('MEDIA_HOSTS', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: SECRET, ...liveKitServer, DATABASE_URL: POSTGRES };
    it('takes any https host on a development node', () => assert.equal(loadConfig({}).mediaHosts, 'any'));
    it('lists host names, lower-cased', () => assert.deepEqual(loadConfig({ MEDIA_HOSTS: 'Photos.Example.com, cdn.example.net' }).mediaHosts, ['photos.example.com', 'cdn.example.net']));
    const required =
      'MEDIA_HOSTS: must be set outside a local development node (embedded database, loopback HOST, not production); list the hosts your storage serves photos and media from (or * outside production)';
    it('must be set on any node but a local development one, where a user could point photos at a server of theirs to learn viewers\' addresses', () => {
      assert.deepEqual(problemsOf({ DATABASE_URL: POSTGRES, REDIS_URL: REDIS, JWT_SECRET: SECRET, PUBLIC_HOST: 'kismet-1.example.com', HOST: '0.0.0.0' }), [required]);
      assert.deepEqual(problemsOf({ DATABASE_URL: POSTGRES, JWT_SECRET: SECRET }), [required]);
      assert.deepEqual(problemsOf({ HOST: '0.0.0.0' }), [required]);
      assert.equal(loadConfig({ HOST: '0.0.0.0', MEDIA_HOSTS: '*' }).mediaHosts, 'any', 'unless told to, outside production');
    });
    it('must be set in production, and * is refused there', () => {
      assert.deepEqual(problemsOf(production), [required]);
      assert.match(problemsOf({ ...production, MEDIA_HOSTS: '*' })[0] ?? '', /^MEDIA_HOSTS: "\*" is refused/);
      assert.deepEqual(loadConfig({ ...production, MEDIA_HOSTS: 'photos.example.com' }).mediaHosts, ['photos.example.com']);
    });
    it('names what is not a host name', () => assert.match(problemsOf({ MEDIA_HOSTS: 'https://photos.example.com' })[0] ?? '', /^MEDIA_HOSTS: host names separated by commas, not https/));
  });

  describe('in production', () => {
    it('refuses a missing signing secret', () => assert.match(problemsOf({ NODE_ENV: 'production' })[0] ?? '', /^JWT_SECRET: must be set/));
    it('refuses the development secret', () =>
      assert.match(problemsOf({ NODE_ENV: 'production', JWT_SECRET: DEVELOPMENT_JWT_SECRET })[0] ?? '', /^JWT_SECRET: the public development secret/));
    it('listens on every interface', () => assert.equal(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, ...productionServices }).http.host, '0.0.0.0'));
    it('refuses a short secret', () => assert.match(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'short' })[0] ?? '', /^JWT_SECRET: must be at least/));
    const liveKit = productionServices;
    it('accepts a real secret', () =>
      assert.equal(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), ...liveKit }).auth.jwtSecret, 'x'.repeat(40)));
    it('refuses to run without DATABASE_URL, unless told to run this one node on the embedded database', () => {
      const embedded = { NODE_ENV: 'production', JWT_SECRET: SECRET, ...liveKitServer, MEDIA_HOSTS: 'photos.example.com' };
      const refusal = 'DATABASE_URL: must be set when NODE_ENV=production (or KISMET_SINGLE_NODE=1 to run this one node on the embedded database)';
      assert.deepEqual(problemsOf(embedded), [refusal]);
      assert.deepEqual(problemsOf({ ...embedded, KISMET_SINGLE_NODE: '0' }), [refusal]);
      assert.equal(loadConfig({ ...embedded, KISMET_SINGLE_NODE: '1' }).database.kind, 'pglite');
      assert.match(problemsOf({ ...embedded, KISMET_SINGLE_NODE: 'yes' })[0] ?? '', /^KISMET_SINGLE_NODE:/);
      assert.equal(loadConfig({ ...embedded, DATABASE_URL: POSTGRES }).database.kind, 'postgres', 'a Postgres node without Redis: it refuses to share the database at start');
    });
    it('refuses a single node that is given a Redis to share', () =>
      assert.deepEqual(problemsOf({ NODE_ENV: 'production', JWT_SECRET: SECRET, ...productionServices, REDIS_URL: REDIS, PUBLIC_HOST: 'kismet-1.example.com', KISMET_SINGLE_NODE: '1' }), [
        'KISMET_SINGLE_NODE: a single node has no cluster to share a Redis with; unset REDIS_URL or KISMET_SINGLE_NODE',
      ]));
    it('refuses to run calls without a LiveKit server, or on the development LiveKit key', () => {
      assert.match(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) })[0] ?? '', /^LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET: a real LiveKit/);
      assert.match(
        problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), ...liveKit, LIVEKIT_API_SECRET: DEVELOPMENT_LIVEKIT.apiSecret })[0] ?? '',
        /^LIVEKIT_API_SECRET:/,
      );
    });
  });

  describe('LiveKit', () => {
    it('assumes no media server when nothing is set', () => {
      const config = loadConfig({});
      assert.equal(config.liveKit.mediaServer, false);
      assert.equal(config.liveKit.url, DEVELOPMENT_LIVEKIT.url);
    });
    it('drives the room service of a server it is given, with its key', () => {
      const liveKit = { LIVEKIT_URL: 'wss://media.example.com', LIVEKIT_API_KEY: 'key', LIVEKIT_API_SECRET: 'secret-of-the-server' };
      assert.deepEqual(loadConfig(liveKit).liveKit, { url: liveKit.LIVEKIT_URL, apiKey: 'key', apiSecret: 'secret-of-the-server', mediaServer: true, keySource: 'environment' });
    });
    it('signs with a key it is given without a server', () => {
      const keyOnly = loadConfig({ LIVEKIT_API_KEY: 'key', LIVEKIT_API_SECRET: 'secret-of-the-server' }).liveKit;
      assert.deepEqual([keyOnly.apiKey, keyOnly.mediaServer], ['key', false]);
    });
    it('refuses half a key, or a server without one', () => {
      assert.match(problemsOf({ LIVEKIT_API_KEY: 'key' })[0] ?? '', /^LIVEKIT_API_KEY, LIVEKIT_API_SECRET: set both/);
      assert.match(problemsOf({ LIVEKIT_URL: 'wss://media.example.com' })[0] ?? '', /^LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET: a LiveKit server needs/);
    });
  });

  describe('domain events configuration', () => {
    it('is off without NATS_URL', () => assert.equal(loadConfig({}).domainEvents, undefined));

    it('publishes to the KISMET stream under kismet.* by default, with a duplicate window past a lease', () => {
      const config = loadConfig({ NATS_URL: 'nats://127.0.0.1:4222' }).domainEvents!;
      assert.deepEqual(config.servers, ['nats://127.0.0.1:4222']);
      assert.equal(config.stream, 'KISMET');
      assert.equal(config.subjectPrefix, 'kismet');
      assert.ok(config.duplicateWindowMs >= 2 * config.leaseMs);
      assert.equal(config.retentionMs, loadConfig({}).pushOutbox.retentionMs);
    });

    it('takes several servers, a stream and a prefix', () => {
      const config = loadConfig({ NATS_URL: 'nats://a:4222, tls://b:4222', NATS_STREAM: 'DATING_EVENTS', NATS_SUBJECT_PREFIX: 'acme.dating' }).domainEvents!;
      assert.deepEqual(config.servers, ['nats://a:4222', 'tls://b:4222']);
      assert.equal(config.stream, 'DATING_EVENTS');
      assert.equal(config.subjectPrefix, 'acme.dating');
    });

    it('names each bad variable', () => {
      assert.match(problemsOf({ NATS_URL: 'http://127.0.0.1:4222' })[0] ?? '', /^NATS_URL: "http:\/\/127.0.0.1:4222" is not/);
      assert.equal(problemsOf({ NATS_URL: 'http://kismet:s3cret@127.0.0.1:4222' })[0], 'NATS_URL: "http://127.0.0.1:4222" is not a nats:// or tls:// address', 'no password in the message');
      assert.match(problemsOf({ NATS_URL: 'nats://x:4222', NATS_STREAM: 'has.dots' })[0] ?? '', /^NATS_STREAM:/);
      assert.match(problemsOf({ NATS_URL: 'nats://x:4222', NATS_SUBJECT_PREFIX: 'kismet.>' })[0] ?? '', /^NATS_SUBJECT_PREFIX:/);
      assert.match(problemsOf({ NATS_URL: 'nats://x:4222', NATS_DUPLICATE_WINDOW_S: '30', DOMAIN_EVENTS_LEASE_MS: '30000' })[0] ?? '', /^NATS_DUPLICATE_WINDOW_S:/);
      assert.match(problemsOf({ NATS_URL: 'nats://x:4222', DOMAIN_EVENTS_LEASE_MS: '10' })[0] ?? '', /^DOMAIN_EVENTS_LEASE_MS:/);
    });
  });
});
