import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { apnsTokenNeedsRenewal } from '../../domain/push/apns';

interface IssuedToken {
  readonly jwt: string;
  readonly issuedAtMs: number;
}

/**
 * The provider authentication token of APNs' token-based auth: an ES256 JWT
 * with the key id (`kid`) and team (`iss`), signed once and reused by every
 * request until it is 50 minutes old, as Apple asks.
 */
export class ApnsProviderToken {
  /** How many tokens were signed. */
  signed = 0;
  /** The current token, or its signing while it is under way. */
  private issued: Promise<IssuedToken> | undefined;
  /** What `issued` resolved to; undefined while it is pending. */
  private settled: IssuedToken | undefined;
  private readonly key: KeyObject;

  constructor(
    private readonly keyId: string,
    private readonly teamId: string,
    privateKeyPem: string,
    private readonly nowMs: () => number,
  ) {
    this.key = createPrivateKey(privateKeyPem);
  }

  /** The token to send now; concurrent callers share one signing. */
  async current(): Promise<string> {
    const token = await (this.issued ?? this.replace(undefined));
    if (!apnsTokenNeedsRenewal(token.issuedAtMs, this.nowMs(), false)) return token.jwt;
    return (await this.replace(token)).jwt;
  }

  /**
   * After APNs refused `jwt` as expired or invalid: the token to try once more
   * (a newer one, made now if that one is old enough to change), or undefined.
   */
  async renewedAfterRefusal(jwt: string): Promise<string | undefined> {
    const latest = await this.issued;
    if (latest === undefined) return undefined;
    if (latest.jwt !== jwt) return latest.jwt;
    if (!apnsTokenNeedsRenewal(latest.issuedAtMs, this.nowMs(), true)) return undefined;
    return (await this.replace(latest)).jwt;
  }

  /** Signs a successor of `stale`, unless another caller already has: then that one is shared. */
  private replace(stale: IssuedToken | undefined): Promise<IssuedToken> {
    if (this.issued === undefined || (this.settled !== undefined && this.settled === stale)) {
      this.settled = undefined;
      const next = this.sign().then(
        (token) => (this.settled = token),
        (error: unknown) => {
          this.issued = undefined;
          throw error;
        },
      );
      this.issued = next;
    }
    return this.issued;
  }

  private async sign(): Promise<IssuedToken> {
    const issuedAtMs = this.nowMs();
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.keyId })
      .setIssuer(this.teamId)
      .setIssuedAt(Math.floor(issuedAtMs / 1000))
      .sign(this.key);
    this.signed++;
    return { jwt, issuedAtMs };
  }
}
