import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalPresence } from '@colyseus/core';
import { openDatabase, type DatabaseHandle } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { deleteExpiredRevocations, insertRevocation } from '../../db/repositories/tokenRevocationRepository';
import { ErrorCode } from '../../domain/errors';
import { revocationLifetimeMs, type Revocation } from '../../domain/revocationList';
import { AccessTokenService, CLOCK_TOLERANCE_S } from '../../server/auth/accessTokens';
import { TokenRevocations } from '../../server/auth/tokenRevocations';
import { PresenceTopicBus } from '../../server/cluster/presenceTopicBus';
import { createLogger } from '../../server/logger';
import { tokenOutcome } from '../support/tokenOutcome';

const SECRET = 'r'.repeat(48);
/** A short lifetime, as a node run with ACCESS_TOKEN_TTL_S=20. */
const TTL_S = 20;
const USER = '6f1d2c3b-4a5e-4f60-8172-93a4b5c6d7e8';
/** The moment of each revocation below (whole seconds, as tokens count). */
const REVOKED_AT_S = 1_800_000_000;

/**
 * A log-out's or a ban's revocation against the tokens it refuses, on one clock the
 * test moves: kept, stored and read again for as long as those tokens are accepted,
 * which is their lifetime and the clocks' tolerance past their `iat`, and that `iat`
 * may itself be a tolerance past the revocation (signed on a node whose clock is ahead).
 */
describe('token revocations, kept as long as the tokens they refuse are accepted', function () {
  const logger = createLogger('silent');
  let dataDir = '';
  let database: DatabaseHandle;
  let nowMs = REVOKED_AT_S * 1000;
  const now = () => new Date(nowMs);
  const started: TokenRevocations[] = [];

  /** A node's revocations and token service, on the test's clock, started now. */
  async function node(): Promise<{ revocations: TokenRevocations; tokens: AccessTokenService }> {
    const bus = new PresenceTopicBus<Revocation>(new LocalPresence(), 'kismet:revocations:', logger);
    const revocations = new TokenRevocations(database.db, bus, TTL_S, now, logger);
    await revocations.start();
    started.push(revocations);
    return { revocations, tokens: new AccessTokenService(SECRET, TTL_S, revocations) };
  }

  /** What a token is answered at `atS` (seconds since the epoch), the node's clock moved there. */
  function answer(tokens: AccessTokenService, token: string, atS: number): Promise<string> {
    nowMs = atS * 1000;
    return tokenOutcome(tokens, token, atS);
  }

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-test-'));
    database = await openDatabase({ kind: 'pglite', dataDir });
    await migrateToLatest(database.db);
  });

  after(async () => {
    for (const revocations of started) revocations.stop();
    await database?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a token signed just before a log-out until it stops being accepted, on the node that revoked it and on one started later', async () => {
    nowMs = REVOKED_AT_S * 1000;
    const { revocations, tokens } = await node();
    // Signed a second before the log-out; and one signed just before it by a node whose clock is a tolerance ahead.
    const justBefore = await tokens.sign(USER, 'stolen-login', REVOKED_AT_S - 1);
    const aheadBefore = await tokens.sign(USER, 'stolen-login', REVOKED_AT_S + CLOCK_TOLERANCE_S);
    await revocations.revokeSession('stolen-login');

    const lastAcceptedS = REVOKED_AT_S - 1 + TTL_S + CLOCK_TOLERANCE_S - 0.5;
    assert.equal(await answer(tokens, justBefore, REVOKED_AT_S + 1), ErrorCode.TOKEN_REVOKED);
    // Past the revocation by the lifetime, and by a few seconds less than the tolerance: the token is alive, and refused.
    assert.equal(await answer(tokens, justBefore, REVOKED_AT_S + TTL_S + CLOCK_TOLERANCE_S - 2), ErrorCode.TOKEN_REVOKED);
    assert.equal(await answer(tokens, justBefore, lastAcceptedS), ErrorCode.TOKEN_REVOKED);
    assert.equal(await answer(tokens, justBefore, lastAcceptedS + 1), ErrorCode.TOKEN_EXPIRED, 'then it is dead anyway');
    assert.equal(await answer(tokens, aheadBefore, REVOKED_AT_S + TTL_S + 2 * CLOCK_TOLERANCE_S - 0.5), ErrorCode.TOKEN_REVOKED);
    assert.equal(await answer(tokens, aheadBefore, REVOKED_AT_S + TTL_S + 2 * CLOCK_TOLERANCE_S), ErrorCode.TOKEN_EXPIRED);

    // A node started after the lifetime had passed reads it from storage, and refuses the same.
    nowMs = (REVOKED_AT_S + TTL_S + CLOCK_TOLERANCE_S - 2) * 1000;
    const later = await node();
    assert.equal(await answer(later.tokens, justBefore, REVOKED_AT_S + TTL_S + CLOCK_TOLERANCE_S - 2), ErrorCode.TOKEN_REVOKED);
    assert.equal(await answer(later.tokens, aheadBefore, REVOKED_AT_S + TTL_S + 2 * CLOCK_TOLERANCE_S - 1), ErrorCode.TOKEN_REVOKED);
    // The session's other tokens aside, the account's other log-ins go on.
    assert.equal(await answer(later.tokens, await later.tokens.sign(USER, 'another-login', REVOKED_AT_S + TTL_S), REVOKED_AT_S + TTL_S + 1), 'ok');
  });

  it('refuses a banned account’s token signed just before the ban, also on a node whose clock is ahead, until it stops being accepted', async () => {
    const bannedAtS = REVOKED_AT_S + 1000;
    nowMs = bannedAtS * 1000;
    const { revocations, tokens } = await node();
    const banned = '7a2b3c4d-5e6f-4a70-8b91-a2b3c4d5e6f7';
    const justBefore = await tokens.sign(banned, 'phone', bannedAtS - 1);
    const aheadBefore = await tokens.sign(banned, 'laptop', bannedAtS + CLOCK_TOLERANCE_S);
    await revocations.revokeUser(banned);
    assert.equal(await answer(tokens, justBefore, bannedAtS + TTL_S + CLOCK_TOLERANCE_S - 2), ErrorCode.ACCOUNT_BANNED);
    assert.equal(await answer(tokens, aheadBefore, bannedAtS + TTL_S + 2 * CLOCK_TOLERANCE_S - 0.5), ErrorCode.ACCOUNT_BANNED);
    // Signed later than any node's clock could have been at the ban (the ban lifted, a log-in again): taken.
    assert.equal(await answer(tokens, await tokens.sign(banned, 'again', bannedAtS + CLOCK_TOLERANCE_S + 1), bannedAtS + CLOCK_TOLERANCE_S + 2), 'ok');
  });

  it('keeps, reads and prunes by the reader’s lifetime a revocation stored with a shorter expiry (by a node of an older rule)', async () => {
    const revokedAtS = REVOKED_AT_S + 2000;
    const stored: Revocation = { kind: 'session', subject: 'old-rule-login', revokedAtMs: revokedAtS * 1000, expiresAtMs: (revokedAtS + TTL_S) * 1000 };
    await insertRevocation(database.db, stored);
    const lifetimeMs = revocationLifetimeMs(TTL_S);
    // Past its stored expiry, before the lifetime: a node starting now reads it, and pruning leaves it.
    const pastStoredS = revokedAtS + TTL_S + CLOCK_TOLERANCE_S;
    await deleteExpiredRevocations(database.db, new Date(pastStoredS * 1000), lifetimeMs);
    nowMs = pastStoredS * 1000;
    const { tokens } = await node();
    const token = await tokens.sign(USER, 'old-rule-login', revokedAtS + CLOCK_TOLERANCE_S);
    assert.equal(await answer(tokens, token, pastStoredS), ErrorCode.TOKEN_REVOKED);
    // Pruned once the lifetime has passed.
    const count = async () => (await database.db.selectFrom('token_revocations').select('subject').where('subject', '=', 'old-rule-login').execute()).length;
    assert.equal(await count(), 1);
    await deleteExpiredRevocations(database.db, new Date(revokedAtS * 1000 + lifetimeMs), lifetimeMs);
    assert.equal(await count(), 0);
  });
});
