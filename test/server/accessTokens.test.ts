import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { ErrorCode } from '../../domain/errors';
import type { Revocation, TokenFacts } from '../../domain/revocationList';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, AccessTokenService, CLOCK_TOLERANCE_S, type RevocationCheck } from '../../server/auth/accessTokens';
import { tokenOutcome } from '../support/tokenOutcome';

const SECRET = 'k'.repeat(48);
const TTL_S = 900;
const USER = '0b7c1f4e-5d2a-4c8e-9f31-2a6d8e4b7c10';

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
    assert.deepEqual(first, { userId: USER, sessionId: 'family-1', issuedAtMs: issuedS * 1000 });
    assert.deepEqual(again, first);
  });

  it('refuses a remembered token once it has expired', async () => {
    const service = new AccessTokenService(SECRET, TTL_S);
    const token = await service.sign(USER, 'family-0', issuedS);
    assert.equal(await tokenOutcome(service, token, issuedS + 10), 'ok');
    assert.equal(await tokenOutcome(service, token, issuedS + TTL_S + CLOCK_TOLERANCE_S - 1), 'ok');
    assert.equal(await tokenOutcome(service, token, issuedS + TTL_S + CLOCK_TOLERANCE_S + 1), ErrorCode.TOKEN_EXPIRED);
    // ... and keeps refusing it, from the signature check again.
    assert.equal(await tokenOutcome(service, token, issuedS + TTL_S + CLOCK_TOLERANCE_S + 2), ErrorCode.TOKEN_EXPIRED);
  });

  it('refuses a remembered token issued longer ago than the lifetime, whatever its expiry says', async () => {
    const service = new AccessTokenService(SECRET, TTL_S);
    // Signed with the same secret but a far expiry: only the lifetime stops it.
    const key = new TextEncoder().encode(SECRET);
    const token = await new SignJWT({ sid: 'family-0' }).setProtectedHeader({ alg: 'HS256' }).setSubject(USER).setIssuer(ACCESS_TOKEN_ISSUER).setAudience(ACCESS_TOKEN_AUDIENCE).setIssuedAt(issuedS).setExpirationTime(issuedS + 10 * TTL_S).sign(key);
    assert.equal(await tokenOutcome(service, token, issuedS + 1), 'ok');
    assert.equal(await tokenOutcome(service, token, issuedS + TTL_S + CLOCK_TOLERANCE_S + 1), ErrorCode.TOKEN_EXPIRED);
  });

  it('consults the revocation list on every use of a remembered token', async () => {
    const revocations = new ManualRevocations();
    const service = new AccessTokenService(SECRET, TTL_S, revocations);
    const token = await service.sign(USER, 'family-2', issuedS);
    assert.equal(await tokenOutcome(service, token, issuedS + 1), 'ok');
    revocations.revoked = 'session';
    assert.equal(await tokenOutcome(service, token, issuedS + 2), ErrorCode.TOKEN_REVOKED);
    revocations.revoked = 'user';
    assert.equal(await tokenOutcome(service, token, issuedS + 3), ErrorCode.ACCOUNT_BANNED);
    revocations.revoked = undefined;
    assert.equal(await tokenOutcome(service, token, issuedS + 4), 'ok');
  });

  it('does not take a tampered copy of a remembered token for it', async () => {
    const service = new AccessTokenService(SECRET, TTL_S);
    const token = await service.sign(USER, 'family-0', issuedS);
    assert.equal(await tokenOutcome(service, token, issuedS + 1), 'ok');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const otherUser = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'someone-else' })).toString('base64url');
    assert.equal(await tokenOutcome(service, `${header}.${otherUser}.${signature}`, issuedS + 2), ErrorCode.TOKEN_INVALID);
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
    assert.equal(await tokenOutcome(service, `${header}.${payload}.${flipped}`, issuedS + 2), ErrorCode.TOKEN_INVALID);
    assert.equal(await tokenOutcome(service, `${token}x`, issuedS + 2), ErrorCode.TOKEN_INVALID);
  });

  it('does not take a token of another secret, even one with the same claims', async () => {
    const ours = new AccessTokenService(SECRET, TTL_S);
    const theirs = new AccessTokenService('z'.repeat(48), TTL_S);
    assert.equal(await tokenOutcome(ours, await theirs.sign(USER, 'family-0', issuedS), issuedS + 1), ErrorCode.TOKEN_INVALID);
  });

  describe('a token signed with the right secret but not as Kismet issues them', () => {
    const key = new TextEncoder().encode(SECRET);
    /** A token with the given claims and header, signed with the service's own secret. */
    const crafted = (claims: Record<string, unknown>, alg = 'HS256') => {
      const jwt = new SignJWT({ sub: USER, sid: 'family-0', iss: ACCESS_TOKEN_ISSUER, aud: ACCESS_TOKEN_AUDIENCE, iat: issuedS, exp: issuedS + TTL_S, ...claims });
      return jwt.setProtectedHeader({ alg }).sign(key);
    };

    it('takes one made as Kismet makes them (the check below is not refusing everything)', async () => {
      assert.equal(await tokenOutcome(new AccessTokenService(SECRET, TTL_S), await crafted({}), issuedS + 1), 'ok');
    });

    for (const [what, claims] of [
      ['another issuer', { iss: 'someone-else' }],
      ['another audience', { aud: 'someone-else:api' }],
      ['no issuer', { iss: undefined }],
      ['no audience', { aud: undefined }],
      ['neither issuer nor audience', { iss: undefined, aud: undefined }],
      ['no log-in session', { sid: undefined }],
      ['an empty log-in session', { sid: '' }],
      ['no subject', { sub: undefined }],
      ['an empty subject', { sub: '' }],
      ['no expiry', { exp: undefined }],
      ['no issue time', { iat: undefined }],
      ['an expiry that is not a number', { exp: 'tomorrow' }],
      ['an issue time that is not a number', { iat: String(issuedS) }],
      ['an issue time in the future', { iat: issuedS + 3600, exp: issuedS + 3600 + TTL_S }],
    ] as const) {
      it(`refuses one with ${what}`, async () => {
        const service = new AccessTokenService(SECRET, TTL_S);
        assert.equal(await tokenOutcome(service, await crafted(claims), issuedS + 1), ErrorCode.TOKEN_INVALID);
      });
    }

    it('refuses one signed with another algorithm of the same secret, and one not signed at all', async () => {
      const service = new AccessTokenService(SECRET, TTL_S);
      assert.equal(await tokenOutcome(service, await crafted({}, 'HS512'), issuedS + 1), ErrorCode.TOKEN_INVALID);
      const [, payload] = (await crafted({})).split('.') as [string, string];
      const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
      assert.equal(await tokenOutcome(service, none, issuedS + 1), ErrorCode.TOKEN_INVALID);
    });

    it('refuses one presented before it was issued, within the tolerance of two clocks only', async () => {
      const service = new AccessTokenService(SECRET, TTL_S);
      const token = await crafted({});
      assert.equal(await tokenOutcome(service, token, issuedS - CLOCK_TOLERANCE_S - 1), ErrorCode.TOKEN_INVALID);
      assert.equal(await tokenOutcome(service, token, issuedS - CLOCK_TOLERANCE_S + 1), 'ok');
    });
  });
});
