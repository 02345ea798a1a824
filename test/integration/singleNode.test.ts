import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { AccessTokenService } from '../../server/auth/accessTokens';
import { HARNESS_JWT_SECRET } from '../../loadtest/harness/secrets';
import type { TokenPair } from '../../contracts/auth';
import {
  TEST_PASSWORD,
  command,
  connectDevice,
  expectJoinRefused,
  postJson,
  registerUser,
  uniqueEmail,
  withTimeout,
} from '../support/accounts';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { BACKENDS } from '../support/backends';
import { Client } from '@colyseus/sdk';
import { SESSION_ROOM, SessionEventType } from '../../contracts/session';

for (const backend of BACKENDS) {
  describe(`single node on ${backend.name}`, function () {
    let env: Record<string, string> = {};
    let teardown: () => Promise<void> = async () => {};
    let node: NodeHandle;

    before(async function () {
      const setup = await backend.setup(this);
      if (!setup) return;
      env = setup.env;
      teardown = setup.teardown;
      node = await startNodeProcess(env);
    });

    after(async () => {
      await node?.stop();
      await teardown();
    });

    describe('health', () => {
      it('answers /healthz and /readyz', async () => {
        assert.equal((await fetch(`${node.url}/healthz`)).status, 200);
        const ready = await fetch(`${node.url}/readyz`);
        assert.equal(ready.status, 200);
        assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { database: true, presence: true });
      });
    });

    describe('accounts', () => {
      it('registers, then logs in with the same password', async () => {
        const email = uniqueEmail();
        const registered = await registerUser(node.url, email);
        assert.match(registered.userId, /^[0-9a-f-]{36}$/);
        const login = await postJson<TokenPair>(node.url, '/auth/login', { email: email.toUpperCase(), password: TEST_PASSWORD });
        assert.equal(login.status, 200);
        assert.equal(login.body.userId, registered.userId);
        assert.notEqual(login.body.refreshToken, registered.refreshToken);
      });

      it('refuses a second account with the same email', async () => {
        const email = uniqueEmail();
        await registerUser(node.url, email);
        const again = await postJson(node.url, '/auth/register', { email, password: TEST_PASSWORD });
        assert.equal(again.status, 409);
        assert.equal((again.body as { code: string }).code, 'EMAIL_TAKEN');
      });

      it('refuses a wrong password and an unknown email alike', async () => {
        const user = await registerUser(node.url);
        const wrong = await postJson(node.url, '/auth/login', { email: user.email, password: 'not the password' });
        const unknown = await postJson(node.url, '/auth/login', { email: uniqueEmail(), password: TEST_PASSWORD });
        assert.deepEqual([wrong.status, unknown.status], [401, 401]);
        assert.equal((wrong.body as { code: string }).code, 'INVALID_CREDENTIALS');
        assert.equal((unknown.body as { code: string }).code, 'INVALID_CREDENTIALS');
      });

      it('rotates refresh tokens, and a reused one revokes the whole family', async () => {
        const user = await registerUser(node.url);
        const first = await postJson<TokenPair>(node.url, '/auth/refresh', { refreshToken: user.refreshToken });
        assert.equal(first.status, 200);
        assert.notEqual(first.body.refreshToken, user.refreshToken);
        // The chain moves on: the first token back is a copy, not a retry whose answer was lost.
        const second = await postJson<TokenPair>(node.url, '/auth/refresh', { refreshToken: first.body.refreshToken });
        assert.equal(second.status, 200);

        const reuse = await postJson(node.url, '/auth/refresh', { refreshToken: user.refreshToken });
        assert.equal(reuse.status, 401);
        assert.equal((reuse.body as { code: string }).code, 'REFRESH_TOKEN_REUSED');

        // the rotated token was in the same family, so it is revoked too
        const afterReuse = await postJson(node.url, '/auth/refresh', { refreshToken: second.body.refreshToken });
        assert.equal((afterReuse.body as { code: string }).code, 'REFRESH_TOKEN_REUSED');
      });

      it('logout revokes the refresh token; an unknown one is refused as invalid', async () => {
        const user = await registerUser(node.url);
        assert.equal((await postJson(node.url, '/auth/logout', { refreshToken: user.refreshToken })).status, 200);
        const after = await postJson(node.url, '/auth/refresh', { refreshToken: user.refreshToken });
        assert.equal(after.status, 401);
        assert.equal((after.body as { code: string }).code, 'REFRESH_TOKEN_REUSED');
        const unknown = await postJson(node.url, '/auth/refresh', { refreshToken: 'never-issued' });
        assert.equal((unknown.body as { code: string }).code, 'REFRESH_TOKEN_INVALID');
      });
    });

    describe('malformed HTTP bodies', () => {
      const cases: Array<[string, string, unknown]> = [
        ['not JSON', '/auth/register', '{"email": '],
        ['a JSON array', '/auth/login', '[]'],
        ['a missing password', '/auth/register', { email: 'a@b.io' }],
        ['a short password', '/auth/register', { email: 'a@b.io', password: 'short' }],
        ['a bad email', '/auth/register', { email: 'not-an-email', password: TEST_PASSWORD }],
        ['an unknown field', '/auth/login', { email: 'a@b.io', password: 'x', admin: true }],
        ['a refresh token of the wrong type', '/auth/refresh', { refreshToken: 42 }],
      ];
      for (const [what, route, body] of cases) {
        it(`answers ${what} with 400 INVALID_BODY`, async () => {
          const result = await postJson(node.url, route, body);
          assert.equal(result.status, 400);
          assert.equal((result.body as { code: string }).code, 'INVALID_BODY');
        });
      }

      it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
        const result = await postJson(node.url, '/auth/register', { email: 'a@b.io', password: 'x'.repeat(64 * 1024) });
        assert.equal(result.status, 413);
        assert.equal((result.body as { code: string }).code, 'PAYLOAD_TOO_LARGE');
      });

      it('answers a body that is not declared JSON with 400', async () => {
        const response = await fetch(`${node.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
        assert.equal(response.status, 400);
        assert.equal(((await response.json()) as { code: string }).code, 'INVALID_BODY');
      });
    });

    describe('session actor', () => {
      it('lets a user join their own session with their token and answers commands', async () => {
        const user = await registerUser(node.url);
        const device = await connectDevice(node.url, user, 'phone');
        assert.equal(device.ready.userId, user.userId);
        assert.equal(device.ready.presence, 'online');
        assert.equal(device.room.roomId, `session_${user.userId}`);
        const reply = await command(device.room, 'heartbeat');
        assert.equal('ok' in reply && reply.ok, true);
        await device.room.leave();
      });

      it('puts two devices of one user in one actor, and tells the first about the second', async () => {
        const user = await registerUser(node.url);
        const phone = await connectDevice(node.url, user, 'phone');
        const devicesChanged = withTimeout(
          new Promise<unknown>((resolve) => phone.room.onMessage(SessionEventType.DEVICES_CHANGED, resolve)),
          5000,
          'devices.changed',
        );
        const laptop = await connectDevice(node.url, user, 'laptop');
        assert.equal(laptop.room.roomId, phone.room.roomId);
        assert.deepEqual(laptop.ready.devices.map((d) => d.deviceId).sort(), ['laptop', 'phone']);
        const changed = (await devicesChanged) as { devices: Array<{ deviceId: string }> };
        assert.deepEqual(changed.devices.map((d) => d.deviceId).sort(), ['laptop', 'phone']);
        await Promise.all([phone.room.leave(), laptop.room.leave()]);
      });

      it('refuses missing, expired, tampered and other-user tokens with distinct codes', async () => {
        const user = await registerUser(node.url);
        const other = await registerUser(node.url);
        const join = (token: string | undefined, userId = user.userId) => {
          const client = new Client(node.url);
          if (token !== undefined) client.http.authToken = token;
          return client.joinOrCreate(SESSION_ROOM, { userId, deviceId: 'phone' });
        };
        const longAgo = Math.floor(Date.now() / 1000) - 3600;
        const expired = await new AccessTokenService(HARNESS_JWT_SECRET, 60).sign(user.userId, 'a-log-in', longAgo);
        const [header, , signature] = user.accessToken.split('.');
        const forgedPayload = Buffer.from(JSON.stringify({ sub: other.userId, iss: 'kismet', aud: 'kismet:rooms', exp: longAgo + 7200 })).toString('base64url');
        const tampered = `${header}.${forgedPayload}.${signature}`;
        const wrongKey = await new SignJWT({ sid: 'a-log-in' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(user.userId)
          .setIssuer('kismet')
          .setAudience('kismet:rooms')
          .setExpirationTime('10m')
          .sign(new TextEncoder().encode('some-other-secret-of-enough-length!!'));

        assert.equal(await expectJoinRefused(join(undefined)), 'TOKEN_MISSING');
        assert.equal(await expectJoinRefused(join(expired)), 'TOKEN_EXPIRED');
        assert.equal(await expectJoinRefused(join(tampered)), 'TOKEN_INVALID');
        assert.equal(await expectJoinRefused(join(wrongKey)), 'TOKEN_INVALID');
        assert.equal(await expectJoinRefused(join(other.accessToken)), 'NOT_YOUR_SESSION');
        assert.equal(await expectJoinRefused(join(user.accessToken, 'not-a-uuid')), 'INVALID_ROOM_OPTIONS');
      });

      it('answers unknown and malformed messages with codes and keeps serving', async () => {
        const user = await registerUser(node.url);
        const device = await connectDevice(node.url, user, 'phone');
        const unknown = await command(device.room, 'teleport', { to: 'mars' });
        assert.equal('code' in unknown && unknown.code, 'UNKNOWN_MESSAGE_TYPE');
        const invalid = await command(device.room, 'presence.set', { status: 'invisible' });
        assert.equal('code' in invalid && invalid.code, 'INVALID_MESSAGE');
        const extra = await command(device.room, 'heartbeat', { sneaky: true });
        assert.equal('code' in extra && extra.code, 'INVALID_MESSAGE');
        const stillServing = await command(device.room, 'presence.set', { status: 'away' });
        assert.deepEqual('result' in stillServing && stillServing.result, { presence: 'away' });
        await device.room.leave();
      });

      it('refuses joins by room id and unknown matchmaking methods with codes', async () => {
        const user = await registerUser(node.url);
        const headers = { authorization: `Bearer ${user.accessToken}` };
        const byId = await postJson(node.url, `/matchmake/joinById/session_${user.userId}`, {}, headers);
        assert.equal(byId.status, 404);
        assert.equal((byId.body as { code: string }).code, 'NOT_FOUND');
        const unknownRoom = await postJson(node.url, '/matchmake/joinOrCreate/lobby', {}, headers);
        assert.equal((unknownRoom.body as { code: string }).code, 'NOT_FOUND');
        const badOptions = await postJson(node.url, '/matchmake/joinOrCreate/session', '[1,2]', headers);
        assert.equal((badOptions.body as { code: string }).code, 'INVALID_ROOM_OPTIONS');
      });
    });

    describe('restart', () => {
      it('keeps accounts across a stop and start on the same data', async () => {
        const email = uniqueEmail('durable');
        const user = await registerUser(node.url, email);
        assert.equal(await node.stop(), 0);
        node = await startNodeProcess(env);
        const login = await postJson<TokenPair>(node.url, '/auth/login', { email, password: TEST_PASSWORD });
        assert.equal(login.status, 200);
        assert.equal(login.body.userId, user.userId);
        const device = await connectDevice(node.url, login.body, randomUUID());
        assert.equal(device.ready.userId, user.userId);
        await device.room.leave();
      });
    });
  });
}
