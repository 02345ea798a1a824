import assert from 'node:assert/strict';
import { CLOCK_TOLERANCE_S, RevocationList, revocationLifetimeMs } from '../../domain/revocationList';

const TOLERANCE_MS = CLOCK_TOLERANCE_S * 1000;

describe('the access-token revocation list', () => {
  const list = new RevocationList(10_000);
  list.add({ kind: 'user', subject: 'banned', revokedAtMs: 10_000, expiresAtMs: 20_000 });
  list.add({ kind: 'session', subject: 'logged-out', revokedAtMs: 10_000, expiresAtMs: 20_000 });

  it('refuses a user’s tokens issued up to the revocation and the clocks’ tolerance, not those issued after', () => {
    assert.equal(list.revokes({ userId: 'banned', sessionId: undefined, issuedAtMs: 9_000 }, 15_000), 'user');
    // Signed before the ban on a node whose clock is ahead: its `iat` is later than the revocation's moment.
    assert.equal(list.revokes({ userId: 'banned', sessionId: undefined, issuedAtMs: 10_000 + TOLERANCE_MS }, 15_000), 'user');
    assert.equal(list.revokes({ userId: 'banned', sessionId: undefined, issuedAtMs: 11_000 + TOLERANCE_MS }, 15_000), undefined);
  });
  it('refuses every token of a revoked session, and no other session of the user', () => {
    assert.equal(list.revokes({ userId: 'u', sessionId: 'logged-out', issuedAtMs: 12_000 }, 15_000), 'session');
    assert.equal(list.revokes({ userId: 'u', sessionId: 'other', issuedAtMs: 9_000 }, 15_000), undefined);
  });
  it('tells news from a revocation it knew', () => {
    const fresh = new RevocationList(10_000);
    const ban = { kind: 'user', subject: 'banned', revokedAtMs: 10_000, expiresAtMs: 20_000 } as const;
    assert.equal(fresh.add(ban), true);
    assert.equal(fresh.add(ban), false, 'heard again (the bus, then a read after Redis trouble)');
    assert.equal(fresh.add({ kind: 'session', subject: 'banned', revokedAtMs: 12_000, expiresAtMs: 22_000 }), true);
    assert.equal(fresh.add({ kind: 'user', subject: 'banned', revokedAtMs: 9_000, expiresAtMs: 19_000 }), false, 'an earlier one of the same account');
  });
  it('forgets a revocation once no token it could refuse is alive', () => {
    assert.equal(list.revokes({ userId: 'banned', sessionId: undefined, issuedAtMs: 9_000 }, 20_000), undefined);
    list.prune(20_000);
    assert.equal(list.size, 0);
  });
  it('keeps a revocation its own lifetime past its moment, whatever shorter expiry it came with', () => {
    const ttlS = 20;
    const lifetimeMs = revocationLifetimeMs(ttlS);
    assert.equal(lifetimeMs, (ttlS + 2 * CLOCK_TOLERANCE_S) * 1000);
    const kept = new RevocationList(lifetimeMs);
    // Stored or announced by a node that kept revocations one token lifetime only.
    kept.add({ kind: 'session', subject: 'stolen', revokedAtMs: 100_000, expiresAtMs: 100_000 + ttlS * 1000 });
    const token = { userId: 'u', sessionId: 'stolen', issuedAtMs: 99_000 };
    assert.equal(kept.revokes(token, 100_000 + lifetimeMs - 1), 'session');
    kept.prune(100_000 + lifetimeMs - 1);
    assert.equal(kept.size, 1, 'not pruned before its lifetime');
    assert.equal(kept.revokes(token, 100_000 + lifetimeMs), undefined);
    // A longer expiry than the lifetime is kept as it came.
    kept.add({ kind: 'user', subject: 'banned', revokedAtMs: 100_000, expiresAtMs: 100_000 + 2 * lifetimeMs });
    assert.equal(kept.revokes({ userId: 'banned', sessionId: undefined, issuedAtMs: 99_000 }, 100_000 + 2 * lifetimeMs - 1), 'user');
  });
});
