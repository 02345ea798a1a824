import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { AppError, ErrorCode } from '../../domain/errors';
import { decideRefresh, type PresentedRefreshToken } from '../../domain/refreshTokenRules';
import type { Database } from '../../db/types';
import { deletePushTargetsOfSession } from '../../db/repositories/pushTargetRepository';
import { isUniqueViolation } from '../../db/faults';
import { findUserByEmail, findUserById, insertUser, lockAccountStatus } from '../../db/repositories/userRepository';
import { findEmailSanction } from '../../db/repositories/sanctionedEmailRepository';
import { appendAudit } from '../../db/repositories/auditRepository';
import {
  findRefreshTokenByHash,
  findRefreshTokenById,
  insertRefreshToken,
  lockRefreshTokenByHash,
  lockRefreshTokenSession,
  markRefreshTokenUsed,
  replaceRefreshTokenSuccessor,
  revokeRefreshTokenFamily,
  type RefreshToken,
} from '../../db/repositories/refreshTokenRepository';
import type { LoginBody, RegisterBody, TokenPair } from '../../contracts/auth';
import { spendOrRefuse, type RateLimiter } from '../../services/rateLimiter';
import type { AccessTokenService } from './accessTokens';

/** Revokes the access tokens of one log-in session on every node (server/auth/tokenRevocations). */
export interface SessionRevoker {
  revokeSession(sessionId: string): Promise<void>;
}
import { getDecoyHash, hashPassword, verifyPassword } from './passwordHasher';
import { sanctionedEmailKeys } from './emailKeys';
import { judgePassword, type WeakPasswordReason } from './passwordStrength';

/**
 * An address in use, and one an erased banned account had, are refused alike (SECURITY.md): the
 * answer tells nobody which addresses were banned.
 */
const emailTaken = () => new AppError(ErrorCode.EMAIL_TAKEN, 'an account with this email exists');

/** Why a password was refused, in general terms: never the password itself. */
const WEAK_PASSWORD_MESSAGES: Readonly<Record<WeakPasswordReason, string>> = {
  guessable: 'this password is too easy to guess (a common password, word, name or pattern); a few unrelated words make a strong one',
  'contains-email': 'this password contains the email address; choose one that does not',
};

function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A token and the one it was rotated into, as decideRefresh sees them. */
function presented(token: RefreshToken, successor: RefreshToken | undefined): PresentedRefreshToken {
  const state = (t: RefreshToken) => ({ usedAtMs: t.usedAt?.getTime() ?? null, revokedAtMs: t.revokedAt?.getTime() ?? null });
  return { ...state(token), expiresAtMs: token.expiresAt.getTime(), successor: successor ? state(successor) : null };
}

/** Register, log in, rotate and revoke. Expected refusals are thrown as AppError with a code. */
export class AuthService {
  /** The key an erased, sanctioned account's email is kept under (the erasure stores it, registration looks it up). */
  readonly emailKeyOf: (email: string) => string;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly accessTokens: AccessTokenService,
    private readonly tokens: { readonly refreshTokenTtlS: number; readonly refreshReuseGraceMs: number; readonly emailSanctionSecret: string },
    private readonly revoker: SessionRevoker,
    private readonly rateLimits: RateLimiter,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.emailKeyOf = sanctionedEmailKeys(tokens.emailSanctionSecret);
  }

  /**
   * A new account. A common or guessable password, or one containing the email, is refused
   * before it is hashed (PASSWORD_TOO_WEAK). An email an erased account was banned with is
   * refused as a taken one; one it was shadow-banned with makes the account shadow-banned,
   * answered as any other.
   */
  async register(body: RegisterBody): Promise<TokenPair> {
    const verdict = await judgePassword(body.password, body.email);
    if (verdict.kind === 'weak') throw new AppError(ErrorCode.PASSWORD_TOO_WEAK, WEAK_PASSWORD_MESSAGES[verdict.reason]);
    const passwordHash = await hashPassword(body.password);
    const emailKey = this.emailKeyOf(body.email);
    try {
      return await this.db.transaction().execute(async (trx) => {
        const sanction = await findEmailSanction(trx, emailKey);
        if (sanction?.banned) throw emailTaken();
        const user = await insertUser(trx, { id: randomUUID(), email: body.email, passwordHash, role: body.role, shadowBanned: sanction?.shadowBanned === true });
        if (sanction) {
          // Moderators see why a new account is shadow-banned, and whose sanction it carries.
          const detail = { erasedUserId: sanction.userId };
          await appendAudit(trx, { action: 'user.shadow_ban_carried', targetKind: 'user', targetId: user.id, detail, at: this.now() });
        }
        return this.issue(trx, user.id, randomUUID());
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
  }

  async login(body: LoginBody): Promise<TokenPair> {
    // Dated before the account is read: a ban stored after that read revokes the access token
    // (tokens issued up to the ban's moment), however long the password check took.
    const issuedAtS = Math.floor(this.now().getTime() / 1000);
    const user = await findUserByEmail(this.db, body.email);
    const ok = await verifyPassword(user?.passwordHash ?? (await getDecoyHash()), body.password);
    if (!user || !ok) throw new AppError(ErrorCode.INVALID_CREDENTIALS, 'wrong email or password');
    if (user.status === 'banned') throw new AppError(ErrorCode.ACCOUNT_BANNED, 'this account is banned');
    return this.db.transaction().execute(async (trx) => {
      // Read again, held until the session is stored: a ban landing during the password check is
      // seen here, and one landing later waits, then ends this session with the account's others.
      const status = await lockAccountStatus(trx, user.id);
      if (status === undefined) throw new AppError(ErrorCode.INVALID_CREDENTIALS, 'wrong email or password');
      if (status === 'banned') throw new AppError(ErrorCode.ACCOUNT_BANNED, 'this account is banned');
      return this.issue(trx, user.id, randomUUID(), randomUUID(), issuedAtS);
    });
  }

  /** Whether `password` is the account's: the confirmation a destructive act (deleting the account) asks for. */
  async confirmPassword(userId: string, password: string): Promise<boolean> {
    const user = await findUserById(this.db, userId);
    const ok = await verifyPassword(user?.passwordHash ?? (await getDecoyHash()), password);
    return ok && user !== undefined;
  }

  /**
   * Exchanges a refresh token for a new pair; a second use of the same token revokes its family,
   * unless it is a retry within the grace whose first answer was lost (see decideRefresh).
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const now = this.now();
    const tokenHash = hashRefreshToken(refreshToken);
    // A token that is nobody's is refused by one indexed read: no transaction holds a connection for it.
    const seen = await findRefreshTokenByHash(this.db, tokenHash);
    if (!seen) throw new AppError(ErrorCode.REFRESH_TOKEN_INVALID, 'the refresh token is not valid');
    // Each rotation writes a token kept until it expires: a session's chain grows at a device's pace.
    await spendOrRefuse(this.rateLimits, 'refresh.session', seen.familyId);
    const outcome = await this.db.transaction().execute(async (trx) => {
      // The session's turn first (after the account's sessions lock an erasure takes alone before
      // the account's row): two retries of one spent token, or a retry and a use of its successor,
      // are decided one after the other, each seeing what the other wrote.
      await lockRefreshTokenSession(trx, seen);
      // Then the account, held as at a log-in (a ban waits, then ends this session), before the token
      // rows: a ban takes the account's row and then its tokens', and no advisory lock.
      const status = await lockAccountStatus(trx, seen.userId);
      if (status !== 'active') {
        // Refused as banned (or gone) whatever the token's state; a ban ended its sessions already.
        await revokeRefreshTokenFamily(trx, seen.familyId, now);
        return { kind: 'banned' as const };
      }
      const token = await lockRefreshTokenByHash(trx, tokenHash);
      const successor = token?.rotatedInto ? await findRefreshTokenById(trx, token.rotatedInto) : undefined;
      const decision = decideRefresh(token && presented(token, successor), now.getTime(), this.tokens.refreshReuseGraceMs);
      if (decision.kind === 'reuse_detected' && token) {
        await revokeRefreshTokenFamily(trx, token.familyId, now);
        // As at a log-out: a device someone registered with the copy is reached no more.
        await deletePushTargetsOfSession(trx, token.familyId);
        return { kind: 'reuse_detected' as const, code: decision.code, familyId: token.familyId };
      }
      if (decision.kind === 'refused' || !token) return { kind: 'refused' as const, code: ErrorCode.REFRESH_TOKEN_INVALID };
      const successorId = randomUUID();
      if (decision.kind === 'rotate_again' && token.rotatedInto !== null) {
        // The successor whose answer was lost goes: the session still has one live refresh token.
        await replaceRefreshTokenSuccessor(trx, { id: token.id, rotatedInto: token.rotatedInto }, successorId, now);
      } else {
        await markRefreshTokenUsed(trx, token.id, now, successorId);
      }
      // The spent token and its successor are written together: a failure leaves the old one usable.
      // Dated when the refresh began, before the account was read (as a log-in's).
      return { kind: 'rotate' as const, pair: await this.issue(trx, token.userId, token.familyId, successorId, Math.floor(now.getTime() / 1000)) };
    });
    switch (outcome.kind) {
      case 'rotate':
        return outcome.pair;
      case 'banned':
        throw new AppError(ErrorCode.ACCOUNT_BANNED, 'this account is banned');
      case 'reuse_detected':
        // Someone holds a copy of the session: its access tokens stop working too, everywhere.
        await this.revoker.revokeSession(outcome.familyId);
        throw new AppError(outcome.code, 'this refresh token was already used; its session has been revoked');
      case 'refused':
        throw new AppError(outcome.code, 'the refresh token is not valid');
    }
  }

  /** Revokes the session the refresh token belongs to, and removes the push targets it registered. Unknown tokens are ignored: logging out twice is fine. */
  async logout(refreshToken: string): Promise<void> {
    const tokenHash = hashRefreshToken(refreshToken);
    const seen = await findRefreshTokenByHash(this.db, tokenHash);
    if (!seen) return;
    const familyId = await this.db.transaction().execute(async (trx) => {
      await lockRefreshTokenSession(trx, seen);
      const token = await lockRefreshTokenByHash(trx, tokenHash);
      if (token) await revokeRefreshTokenFamily(trx, token.familyId, this.now());
      // The devices this session registered for pushes are reached no more.
      if (token) await deletePushTargetsOfSession(trx, token.familyId);
      return token?.familyId;
    });
    // The session's access tokens stop working on every node now, not when they expire.
    if (familyId !== undefined) await this.revoker.revokeSession(familyId);
  }

  /** A new pair for a session (refresh-token family); its access token names the session. */
  private async issue(db: Kysely<Database> | Transaction<Database>, userId: string, familyId: string, tokenId = randomUUID(), issuedAtS?: number): Promise<TokenPair> {
    const refreshToken = randomBytes(32).toString('base64url');
    await insertRefreshToken(db, {
      id: tokenId,
      userId,
      familyId,
      tokenHash: hashRefreshToken(refreshToken),
      expiresAt: new Date(this.now().getTime() + this.tokens.refreshTokenTtlS * 1000),
    });
    return {
      userId,
      accessToken: await this.accessTokens.sign(userId, familyId, issuedAtS),
      refreshToken,
      expiresIn: this.accessTokens.ttlS,
    };
  }
}
