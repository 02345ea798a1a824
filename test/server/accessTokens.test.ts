import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { AppError, ErrorCode } from '../../domain/errors';
import type { Revocation, TokenFacts } from '../../domain/revocationList';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, AccessTokenService, CLOCK_TOLERANCE_S, type RevocationCheck } from '../../server/auth/accessTokens';

const SECRET = 'k'.repeat(48);
const TTL_S = 900;
const USER = '0b7c1f4e-5d2a-4c8e-9f31-2a6d8e4b7c10';

/** The code a verification is refused with, or 'ok'. */
async function outcome(service: AccessTokenService, token: string, nowS: number): Promise<string> {
  try {
    await service.verify(token, nowS);
    return 'ok';
  } catch (error) {
    assert.ok(error instanceof AppError, String(error));
    return error.code;
  }
}

/** A revocation list the test sets by hand. */
class ManualRevocations implements RevocationCheck {
  revoked: Revocation['kind'] | undefined;
  revokes(_token: TokenFacts): Revocation['kind'] | undefined {
    return this.revoked;
  }
}

describe('access tokens, checked once per node and remembered', () => {
  const issuedS = 1_800_000_000;

  it('answers a token seen before with the same claims', async () => {
    const service = new AccessTokenService(SECRET, TTL_S);
    const token = await service.sign(USER, 'family-1', issuedS);
    const first = await service.verify(token, issuedS + 1);
    const again = await service.verify(token, issuedS + 2);
    assert.deepEqual(first, { userId: USER, sessionId: 'family-1' });
    assert.deepEqual(again, first);
  });

  it('refuses a remembered token once it has expired', async () => {
    const service = new AccessTokenService(SECRET, TTL_S);
    const token = await service.sign(USER, undefined, issuedS);
    assert.equal(await outcome(service, token, issuedS + 10), 'ok');
    assert.equal(await outcome(service, token, issuedS + TTL_S + CLOCK_TOLERANCE_S - 1), 'ok');
    assert.equal(await outcome(service, token, issuedS + TTL_S + CLOCK_TOLERANCE_S + 1), ErrorCode.TOKEN_EXPIRED);
    // ... and keeps refusing it, from the signature check again.
    assert.equal(await outcome(service, token, issuedS + TTL_S + CLOCK_TOLERANCE_S + 2), ErrorCode.TOKEN_EXPIRED);
  });

  it('refuses a remembered token issued longer ago than the lifetime, whatever its expiry says', async () => {
    const service = new AccessTokenService(SECRET, TTL_S);
    // Signed with the same secret but a far expiry: only the lifetime stops it.
    const key = new TextEncoder().encode(SECRET);
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(USER).setIssuer(ACCESS_TOKEN_ISSUER).setAudience(ACCESS_TOKEN_AUDIENCE).setIssuedAt(issuedS).setExpirationTime(issuedS + 10 * TTL_S).sign(key);
    assert.equal(await outcome(service, token, issuedS + 1), 'ok');
    assert.equal(await outcome(service, token, issuedS + TTL_S + CLOCK_TOLERANCE_S + 1), ErrorCode.TOKEN_EXPIRED);
  });

  it('consults the revocation list on every use of a remembered token', async () => {
    const revocations = new ManualRevocations();
    const service = new AccessTokenService(SECRET, TTL_S, revocations);
    const token = await service.sign(USER, 'family-2', issuedS);
    assert.equal(await outcome(service, token, issuedS + 1), 'ok');
    revocations.revoked = 'session';
    assert.equal(await outcome(service, token, issuedS + 2), ErrorCode.TOKEN_REVOKED);
    revocations.revoked = 'user';
    assert.equal(await outcome(service, token, issuedS + 3), ErrorCode.ACCOUNT_BANNED);
    revocations.revoked = undefined;
    assert.equal(await outcome(service, token, issuedS + 4), 'ok');
  });

  it('does not take a tampered copy of a remembered token for it', async () => {
    const service = new AccessTokenService(SECRET, TTL_S);
    const token = await service.sign(USER, undefined, issuedS);
    assert.equal(await outcome(service, token, issuedS + 1), 'ok');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const otherUser = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'someone-else' })).toString('base64url');
    assert.equal(await outcome(service, `${header}.${otherUser}.${signature}`, issuedS + 2), ErrorCode.TOKEN_INVALID);
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
    assert.equal(await outcome(service, `${header}.${payload}.${flipped}`, issuedS + 2), ErrorCode.TOKEN_INVALID);
    assert.equal(await outcome(service, `${token}x`, issuedS + 2), ErrorCode.TOKEN_INVALID);
  });

  it('does not take a token of another secret, even one with the same claims', async () => {
    const ours = new AccessTokenService(SECRET, TTL_S);
    const theirs = new AccessTokenService('z'.repeat(48), TTL_S);
    assert.equal(await outcome(ours, await theirs.sign(USER, undefined, issuedS), issuedS + 1), ErrorCode.TOKEN_INVALID);
  });
});
