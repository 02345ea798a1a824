import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from '../../server/auth/accessTokens';
import { DEVELOPMENT_JWT_SECRET, DEVELOPMENT_LIVEKIT } from '../../server/config';
import { LOCAL_SECRETS_FILE } from '../../server/localSecrets';
import { registerUser, requestJson } from '../support/accounts';
import { postWebhook, signedWebhook } from '../support/calls';
import { servicesOrSkip } from '../support/services';

/** Secrets a node finds in its environment when nobody set them: none (the harness's own are unset). */
const NO_SECRETS = { JWT_SECRET: undefined, LIVEKIT_API_KEY: undefined, LIVEKIT_API_SECRET: undefined };

const publicSecretToken = (userId: string) =>
  new SignJWT({ sid: 'a-log-in' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuer(ACCESS_TOKEN_ISSUER)
    .setAudience(ACCESS_TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(DEVELOPMENT_JWT_SECRET));

describe('security: no public development secret signs anything that counts', function () {
  const dataDirs: string[] = [];
  const nodes: NodeHandle[] = [];
  const dataDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-test-'));
    dataDirs.push(dir);
    return dir;
  };

  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start with Postgres and Redis but no secret, or with the public one', async function () {
    const services = servicesOrSkip(this, { postgres: true, redis: true });
    if (!services) return;
    const env = { ...NO_SECRETS, DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl };
    await assert.rejects(startNodeProcess(env), /exited with 2[\s\S]*JWT_SECRET: must be set with DATABASE_URL or REDIS_URL/);
    await assert.rejects(startNodeProcess({ ...env, JWT_SECRET: DEVELOPMENT_JWT_SECRET }), /exited with 2[\s\S]*JWT_SECRET: the public development secret/);
    await assert.rejects(
      startNodeProcess({ ...env, JWT_SECRET: 's'.repeat(40), LIVEKIT_API_KEY: DEVELOPMENT_LIVEKIT.apiKey, LIVEKIT_API_SECRET: DEVELOPMENT_LIVEKIT.apiSecret }),
      /exited with 2[\s\S]*LIVEKIT_API_SECRET: LiveKit's public development secret/,
    );
  });

  it('makes a development node its own secrets, keeps them private and across restarts, and refuses what the public ones sign', async function () {
    this.timeout(60_000);
    const dir = dataDir();
    const node = await startNodeProcess({ ...NO_SECRETS, KISMET_DATA_DIR: dir });
    nodes.push(node);
    const file = path.join(dir, LOCAL_SECRETS_FILE);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'readable by its owner alone');
    const kept = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    assert.notEqual(kept['jwtSecret'], DEVELOPMENT_JWT_SECRET);
    assert.notEqual(kept['liveKitApiSecret'], DEVELOPMENT_LIVEKIT.apiSecret);

    const user = await registerUser(node.url);
    const forged = await requestJson(node.url, 'GET', '/me/cards', { token: await publicSecretToken(user.userId) });
    assert.deepEqual([forged.status, (forged.body as { code: string }).code], [401, 'TOKEN_INVALID'], 'a token signed with the public secret');
    const webhook = await signedWebhook({ event: 'room_finished', room: { name: 'call-x' } }, { apiKey: DEVELOPMENT_LIVEKIT.apiKey, secret: DEVELOPMENT_LIVEKIT.apiSecret });
    assert.deepEqual(await postWebhook(node.url, webhook), { status: 401, code: 'WEBHOOK_REFUSED' }, 'a webhook signed with LiveKit’s public key');

    // Restarted on the same folder: the same secrets, so the tokens it issued still work.
    await node.stop();
    const again = await startNodeProcess({ ...NO_SECRETS, KISMET_DATA_DIR: dir });
    nodes.push(again);
    assert.equal((await requestJson(again.url, 'GET', '/me/cards', { token: user.accessToken })).status, 200);
  });

  it('listens on loopback alone unless told otherwise', async function () {
    const outside = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    if (!outside) {
      // A machine with no other interface cannot be reached from outside at all.
      if (process.env['CI'] === 'true') throw new Error('CI: no non-loopback IPv4 interface to try');
      this.skip();
    }
    const node = await startNodeProcess({ ...NO_SECRETS, KISMET_DATA_DIR: dataDir() });
    nodes.push(node);
    assert.equal((await fetch(`${node.url}/healthz`)).status, 200);
    await assert.rejects(fetch(`http://${outside.address}:${node.port}/healthz`), 'not reachable on another interface');
  });
});
