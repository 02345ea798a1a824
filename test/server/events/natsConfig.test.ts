import assert from 'node:assert/strict';
import { generateVAPIDKeys } from 'web-push';
import { ConfigError, loadConfig as load, type ConfigSources } from '../../../server/config';

const OWN = { jwtSecret: 'own-'.repeat(10), liveKitApiKey: 'own-key', liveKitApiSecret: 'own-secret-'.repeat(4), vapid: generateVAPIDKeys() };
const sources: ConfigSources = { localSecrets: () => OWN };
const loadConfig = (env: NodeJS.ProcessEnv) => load(env, sources);

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

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
    assert.match(problemsOf({ NATS_URL: 'nats://x:4222', NATS_STREAM: 'has.dots' })[0] ?? '', /^NATS_STREAM:/);
    assert.match(problemsOf({ NATS_URL: 'nats://x:4222', NATS_SUBJECT_PREFIX: 'kismet.>' })[0] ?? '', /^NATS_SUBJECT_PREFIX:/);
    assert.match(problemsOf({ NATS_URL: 'nats://x:4222', NATS_DUPLICATE_WINDOW_S: '30', DOMAIN_EVENTS_LEASE_MS: '30000' })[0] ?? '', /^NATS_DUPLICATE_WINDOW_S:/);
    assert.match(problemsOf({ NATS_URL: 'nats://x:4222', DOMAIN_EVENTS_LEASE_MS: '10' })[0] ?? '', /^DOMAIN_EVENTS_LEASE_MS:/);
  });
});
