import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateVAPIDKeys } from 'web-push';
import { ConfigError, loadConfig, type ConfigSources } from '../../../server/config';
import { APNS_ENDPOINTS, DEFAULT_FCM_ENDPOINT, DEFAULT_FCM_TOKEN_ENDPOINT, DEVELOPMENT_WEB_PUSH_SUBJECT } from '../../../server/push/pushConfig';
import { makeServiceAccount } from '../../support/push/fcmService';
import { BROWSER_PUSH_SERVICE_HOSTS } from '../../../domain/push/webPush';

const OWN_VAPID = generateVAPIDKeys();
const sources: ConfigSources = {
  localSecrets: () => ({ jwtSecret: 'own-'.repeat(10), liveKitApiKey: 'own-key', liveKitApiSecret: 'own-secret-'.repeat(4), vapid: OWN_VAPID }),
};
/** A node of a cluster: no secrets of its own in a data folder. */
const CLUSTER = { DATABASE_URL: 'postgres://127.0.0.1:5432/kismet', REDIS_URL: 'redis://127.0.0.1:6379', JWT_SECRET: 'x'.repeat(40), MEDIA_HOSTS: 'photos.example.com' };

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env, sources);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('push configuration', () => {
  let dir: string;
  const file = (name: string, content: string) => {
    const at = path.join(dir, name);
    fs.writeFileSync(at, content);
    return at;
  };
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-push-config-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('with no push variables', () => {
    it('signs Web Push with the development node’s own keys from its data folder', () => {
      assert.deepEqual(loadConfig({}, sources).push.webPush, { ...OWN_VAPID, subject: DEVELOPMENT_WEB_PUSH_SUBJECT, keySource: 'data-folder', endpointHosts: BROWSER_PUSH_SERVICE_HOSTS });
    });
    it('leaves every provider off on a cluster node or in production', () => {
      assert.deepEqual(loadConfig(CLUSTER, sources).push, { webPush: undefined, fcm: undefined, apns: undefined });
      const production = loadConfig({ NODE_ENV: 'production', DATABASE_URL: CLUSTER.DATABASE_URL, JWT_SECRET: 'x'.repeat(40), LIVEKIT_URL: 'wss://m.example.com', LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 'y'.repeat(40), MEDIA_HOSTS: 'photos.example.com' }, sources);
      assert.equal(production.push.webPush, undefined);
    });
  });

  describe('Web Push', () => {
    const keys = generateVAPIDKeys();
    const vapid = { WEB_PUSH_VAPID_PUBLIC_KEY: keys.publicKey, WEB_PUSH_VAPID_PRIVATE_KEY: keys.privateKey, WEB_PUSH_SUBJECT: 'mailto:ops@example.com' };
    it('takes a key pair and a contact', () => {
      assert.deepEqual(loadConfig({ ...CLUSTER, ...vapid }, sources).push.webPush, { ...keys, subject: 'mailto:ops@example.com', keySource: 'environment', endpointHosts: BROWSER_PUSH_SERVICE_HOSTS });
    });
    it('takes the push service hosts a deployment lists, and names a bad one', () => {
      assert.deepEqual(loadConfig({ ...CLUSTER, ...vapid, WEB_PUSH_ENDPOINT_HOSTS: ' Push.Example.com, localhost ' }, sources).push.webPush?.endpointHosts, ['push.example.com', 'localhost']);
      assert.throws(() => loadConfig({ ...CLUSTER, ...vapid, WEB_PUSH_ENDPOINT_HOSTS: 'push.example.com,https://x/' }, sources), (error: unknown) => error instanceof ConfigError && /WEB_PUSH_ENDPOINT_HOSTS/.test(error.message));
    });
    it('refuses half a key pair, a missing or bad contact, and keys that do not belong together', () => {
      assert.deepEqual(problemsOf({ ...CLUSTER, WEB_PUSH_VAPID_PUBLIC_KEY: keys.publicKey }), ['WEB_PUSH_VAPID_PUBLIC_KEY, WEB_PUSH_VAPID_PRIVATE_KEY: set both or neither']);
      assert.match(problemsOf({ ...CLUSTER, ...vapid, WEB_PUSH_SUBJECT: undefined })[0] ?? '', /^WEB_PUSH_SUBJECT: must be set with the VAPID keys/);
      assert.match(problemsOf({ ...CLUSTER, ...vapid, WEB_PUSH_SUBJECT: 'ops@example.com' })[0] ?? '', /^WEB_PUSH_SUBJECT: must be a mailto: address or an https: URL/);
      assert.match(problemsOf({ ...CLUSTER, ...vapid, WEB_PUSH_VAPID_PRIVATE_KEY: generateVAPIDKeys().privateKey })[0] ?? '', /^WEB_PUSH_VAPID_PRIVATE_KEY: is not the private half/);
      assert.match(problemsOf({ ...CLUSTER, ...vapid, WEB_PUSH_VAPID_PUBLIC_KEY: 'not-a-key' })[0] ?? '', /^WEB_PUSH_VAPID_PUBLIC_KEY: must be an uncompressed P-256 public key/);
      assert.match(problemsOf({ ...CLUSTER, ...vapid, WEB_PUSH_VAPID_PRIVATE_KEY: 'c2hvcnQ' })[0] ?? '', /^WEB_PUSH_VAPID_PRIVATE_KEY: must be a P-256 private key/);
      assert.deepEqual(problemsOf({ ...CLUSTER, WEB_PUSH_SUBJECT: 'mailto:ops@example.com' }), ['WEB_PUSH_SUBJECT: set without WEB_PUSH_VAPID_PUBLIC_KEY and WEB_PUSH_VAPID_PRIVATE_KEY']);
    });
  });

  describe('FCM', () => {
    const account = makeServiceAccount('kismet-prod').key;
    it('reads the service account file, with Google’s endpoints unless overridden', () => {
      const at = file('account.json', JSON.stringify(account));
      assert.deepEqual(loadConfig({ FCM_SERVICE_ACCOUNT_FILE: at }, sources).push.fcm, {
        projectId: 'kismet-prod',
        clientEmail: account.client_email,
        privateKeyPem: account.private_key,
        endpoint: DEFAULT_FCM_ENDPOINT,
        tokenEndpoint: DEFAULT_FCM_TOKEN_ENDPOINT,
      });
      const overridden = loadConfig({ FCM_SERVICE_ACCOUNT_FILE: at, FCM_ENDPOINT: 'https://fcm.internal', FCM_TOKEN_ENDPOINT: 'https://auth.internal/token' }, sources).push.fcm;
      assert.deepEqual([overridden?.endpoint, overridden?.tokenEndpoint], ['https://fcm.internal', 'https://auth.internal/token']);
    });
    it('names the variable of a missing, unparsable or foreign file', () => {
      assert.match(problemsOf({ FCM_SERVICE_ACCOUNT_FILE: path.join(dir, 'missing.json') })[0] ?? '', /^FCM_SERVICE_ACCOUNT_FILE: cannot read .*missing\.json \(ENOENT\)$/);
      assert.match(problemsOf({ FCM_SERVICE_ACCOUNT_FILE: file('text.json', 'hello') })[0] ?? '', /^FCM_SERVICE_ACCOUNT_FILE: .* is not JSON$/);
      assert.match(problemsOf({ FCM_SERVICE_ACCOUNT_FILE: file('user.json', JSON.stringify({ type: 'authorized_user' })) })[0] ?? '', /^FCM_SERVICE_ACCOUNT_FILE: .* is not a service account key/);
      assert.match(problemsOf({ FCM_SERVICE_ACCOUNT_FILE: file('bad-key.json', JSON.stringify({ ...account, private_key: 'nope' })) })[0] ?? '', /^FCM_SERVICE_ACCOUNT_FILE: the private_key .* is not an RSA private key/);
    });
    it('refuses endpoints without an account, and endpoints that are not https', () => {
      assert.deepEqual(problemsOf({ FCM_ENDPOINT: 'https://fcm.internal' }), ['FCM_ENDPOINT: set without FCM_SERVICE_ACCOUNT_FILE']);
      assert.match(problemsOf({ FCM_TOKEN_ENDPOINT: 'http://auth.internal/token' })[0] ?? '', /^FCM_TOKEN_ENDPOINT: must start with https:\/\//);
    });
  });

  describe('APNs', () => {
    const p8 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const apns = () => ({ APNS_KEY_FILE: file('AuthKey_ABCDE12345.p8', p8), APNS_KEY_ID: 'ABCDE12345', APNS_TEAM_ID: 'TEAM987654', APNS_TOPIC: 'com.example.kismet' });
    it('takes the four together, on Apple’s endpoints unless APNS_ENDPOINT replaces both', () => {
      assert.deepEqual(loadConfig(apns(), sources).push.apns, { keyId: 'ABCDE12345', teamId: 'TEAM987654', privateKeyPem: p8, topic: 'com.example.kismet', endpoints: APNS_ENDPOINTS });
      assert.deepEqual(loadConfig({ ...apns(), APNS_ENDPOINT: 'https://127.0.0.1:8443' }, sources).push.apns?.endpoints, { production: 'https://127.0.0.1:8443', sandbox: 'https://127.0.0.1:8443' });
    });
    it('names the missing members of an incomplete set', () => {
      assert.deepEqual(problemsOf({ ...apns(), APNS_TEAM_ID: undefined, APNS_TOPIC: undefined }), ['APNS_TEAM_ID, APNS_TOPIC: must be set with APNS_KEY_FILE, APNS_KEY_ID (all four or none)']);
      assert.deepEqual(problemsOf({ APNS_ENDPOINT: 'https://127.0.0.1:8443' }), ['APNS_ENDPOINT: set without APNS_KEY_FILE, APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC']);
    });
    it('refuses a key that is not P-256, a missing file, and malformed ids', () => {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      assert.match(problemsOf({ ...apns(), APNS_KEY_FILE: file('rsa.p8', rsa) })[0] ?? '', /^APNS_KEY_FILE: .*rsa\.p8 is not a P-256 private key/);
      assert.match(problemsOf({ ...apns(), APNS_KEY_FILE: path.join(dir, 'none.p8') })[0] ?? '', /^APNS_KEY_FILE: cannot read .* \(ENOENT\)$/);
      assert.deepEqual(problemsOf({ ...apns(), APNS_KEY_ID: 'abc', APNS_TEAM_ID: 'team', APNS_TOPIC: 'kismet' }).map((p) => p.split(':')[0]), ['APNS_KEY_ID', 'APNS_TEAM_ID', 'APNS_TOPIC']);
    });
  });
});
