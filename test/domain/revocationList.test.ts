import assert from 'node:assert/strict';
import { RevocationList } from '../../domain/revocationList';

describe('the access-token revocation list', () => {
  const list = new RevocationList();
  list.add({ kind: 'user', subject: 'banned', revokedAtMs: 10_000, expiresAtMs: 20_000 });
  list.add({ kind: 'session', subject: 'logged-out', revokedAtMs: 10_000, expiresAtMs: 20_000 });

  it('refuses a user’s tokens issued up to the revocation, not those issued after', () => {
    assert.equal(list.revokes({ userId: 'banned', sessionId: undefined, issuedAtMs: 9_000 }, 15_000), 'user');
    assert.equal(list.revokes({ userId: 'banned', sessionId: undefined, issuedAtMs: 11_000 }, 15_000), undefined);
  });
  it('refuses every token of a revoked session, and no other session of the user', () => {
    assert.equal(list.revokes({ userId: 'u', sessionId: 'logged-out', issuedAtMs: 12_000 }, 15_000), 'session');
    assert.equal(list.revokes({ userId: 'u', sessionId: 'other', issuedAtMs: 9_000 }, 15_000), undefined);
  });
  it('tells news from a revocation it knew', () => {
    const fresh = new RevocationList();
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
});
