import assert from 'node:assert/strict';
import { createECDH } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LOCAL_SECRETS_FILE, readOrCreateLocalSecrets } from '../../server/localSecrets';

describe('local secrets', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-secrets-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('makes a VAPID key pair that belongs together, once, and keeps it', () => {
    const made = readOrCreateLocalSecrets(dir);
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(made.vapid.privateKey, 'base64url'));
    assert.equal(ecdh.getPublicKey().toString('base64url'), made.vapid.publicKey);
    assert.deepEqual(readOrCreateLocalSecrets(dir), made);
    assert.equal(fs.statSync(path.join(dir, LOCAL_SECRETS_FILE)).mode & 0o777, 0o600);
  });

  it('adds a VAPID key pair to a file written before Web Push, keeping the rest', () => {
    const old = { jwtSecret: 'j'.repeat(43), liveKitApiKey: 'kismet-0a1b2c3d4e5f', liveKitApiSecret: 's'.repeat(43) };
    const file = path.join(dir, LOCAL_SECRETS_FILE);
    fs.writeFileSync(file, JSON.stringify(old), { mode: 0o600 });
    const upgraded = readOrCreateLocalSecrets(dir);
    assert.deepEqual({ ...upgraded, vapid: undefined }, { ...old, vapid: undefined });
    assert.match(upgraded.vapid.publicKey, /^B[\w-]{86}$/);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), upgraded, 'written back');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readOrCreateLocalSecrets(dir), upgraded, 'and kept from then on');
  });

  it('refuses a file with a malformed key pair rather than replace it', () => {
    const made = readOrCreateLocalSecrets(dir);
    fs.writeFileSync(path.join(dir, LOCAL_SECRETS_FILE), JSON.stringify({ ...made, vapid: { publicKey: 1 } }));
    assert.throws(() => readOrCreateLocalSecrets(dir), /is not a Kismet secrets file/);
  });
});
