import { DEVELOPMENT_JWT_SECRET, MIN_JWT_SECRET_LENGTH, NOT_LOCAL } from '../environment';

/** How tokens are signed and how long they live, and the operator's key. */
export interface AuthConfig {
  readonly jwtSecret: string;
  readonly accessTokenTtlS: number;
  readonly refreshTokenTtlS: number;
  /**
   * How long after its rotation a spent refresh token may be presented again, while the token it
   * was rotated into is unused, and get a new pair (a retry whose answer was lost); 0: never.
   */
  readonly refreshReuseGraceMs: number;
  /** Bearer key of the operator routes (`/admin/*`); they are off without one. */
  readonly adminApiKey: string | undefined;
  /**
   * Key of the hashes under which an erased banned or shadow-banned account's email is kept
   * (server/auth/emailKeys.ts): EMAIL_SANCTION_SECRET, or the signing secret without it.
   */
  readonly emailSanctionSecret: string;
  /** Where the signing secret came from: the environment, or made and kept in the data folder. */
  readonly secretSource: 'environment' | 'data-folder';
}

/** The auth variables as config.ts parsed them. */
export interface AuthEnv {
  readonly JWT_SECRET?: string | undefined;
  readonly ACCESS_TOKEN_TTL_S: number;
  readonly REFRESH_TOKEN_TTL_S: number;
  readonly REFRESH_REUSE_GRACE_MS: number;
  readonly ADMIN_API_KEY?: string | undefined;
  readonly EMAIL_SANCTION_SECRET?: string | undefined;
}

/** Where the node runs, as far as its signing secret is concerned (see loadConfig). */
export interface AuthStanding {
  readonly local: boolean;
  readonly production: boolean;
  /** No DATABASE_URL and no REDIS_URL: no other node signs tokens this one must accept. */
  readonly embedded: boolean;
  /** The development node's own secret, made and kept in its data folder on first use. */
  readonly ownJwtSecret: () => string;
}

/** Reads the auth settings, naming each bad variable in `problems`. */
export function parseAuthConfig(e: AuthEnv, node: AuthStanding, problems: string[]): AuthConfig {
  let jwtSecret: string;
  let secretSource: AuthConfig['secretSource'] = 'environment';
  if (e.JWT_SECRET !== undefined) {
    jwtSecret = e.JWT_SECRET;
    if (!node.local && e.JWT_SECRET === DEVELOPMENT_JWT_SECRET) {
      problems.push(`JWT_SECRET: the public development secret is refused ${NOT_LOCAL}`);
    } else if (!node.local && e.JWT_SECRET.length < MIN_JWT_SECRET_LENGTH) {
      problems.push(`JWT_SECRET: must be at least ${MIN_JWT_SECRET_LENGTH} characters ${NOT_LOCAL}`);
    }
  } else if (node.production) {
    jwtSecret = '';
    problems.push('JWT_SECRET: must be set when NODE_ENV=production');
  } else if (!node.embedded) {
    jwtSecret = '';
    problems.push('JWT_SECRET: must be set with DATABASE_URL or REDIS_URL: every node of a deployment signs with the same secret');
  } else {
    jwtSecret = node.ownJwtSecret();
    secretSource = 'data-folder';
  }
  if (e.ADMIN_API_KEY !== undefined && e.ADMIN_API_KEY.length < MIN_JWT_SECRET_LENGTH) {
    problems.push(`ADMIN_API_KEY: must be at least ${MIN_JWT_SECRET_LENGTH} characters`);
  }
  if (e.EMAIL_SANCTION_SECRET !== undefined && e.EMAIL_SANCTION_SECRET.length < MIN_JWT_SECRET_LENGTH) {
    problems.push(`EMAIL_SANCTION_SECRET: must be at least ${MIN_JWT_SECRET_LENGTH} characters`);
  }
  return {
    jwtSecret,
    accessTokenTtlS: e.ACCESS_TOKEN_TTL_S,
    refreshTokenTtlS: e.REFRESH_TOKEN_TTL_S,
    refreshReuseGraceMs: e.REFRESH_REUSE_GRACE_MS,
    adminApiKey: e.ADMIN_API_KEY,
    emailSanctionSecret: e.EMAIL_SANCTION_SECRET ?? jwtSecret,
    secretSource,
  };
}
