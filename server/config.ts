import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_LAG_LIMIT_MS } from '../domain/loadShedding';
import { LOGIN_RULES, type RateLimitedAction, type RateRule } from '../domain/rateLimits';
import { DEFAULT_H3_RESOLUTION } from '../domain/geo';
import { DEFAULT_MAX_ACTIVE_CALLS } from '../domain/callState';
import { DEFAULT_DAILY_LIKE_QUOTA } from '../domain/swipeRules';

/** The development signing secret. Production refuses to start with it. */
export const DEVELOPMENT_JWT_SECRET = 'kismet-development-secret-not-for-production';
export const DEFAULT_PORT = 2567;
export const DEFAULT_DATA_DIR = '.data';
export const DEFAULT_ACCESS_TOKEN_TTL_S = 15 * 60;
export const DEFAULT_REFRESH_TOKEN_TTL_S = 7 * 24 * 60 * 60;
export const MIN_JWT_SECRET_LENGTH = 32;

/** LiveKit's own development credentials (`livekit-server --dev`): everything but media works without a server. */
export const DEVELOPMENT_LIVEKIT = { url: 'ws://127.0.0.1:7880', apiKey: 'devkey', apiSecret: 'secret' } as const;

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const url = (protocols: readonly string[]) =>
  z
    .string()
    .url()
    .refine((value) => protocols.some((p) => value.startsWith(`${p}:`)), {
      message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    });

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(DEFAULT_PORT),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_HOST: z.string().regex(/^[A-Za-z0-9.\-\[\]:]+$/, 'must be a host name or address').default('127.0.0.1'),
  PUBLIC_ADDRESS: z
    .string()
    .regex(/^[A-Za-z0-9.\-\[\]:]+(\/[\w\-./]*)?$/, 'must be host:port, optionally with a path')
    .optional(),
  KISMET_DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR),
  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  DATABASE_POOL_SIZE: positiveInt.max(200).default(10),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  JWT_SECRET: z.string().min(1).optional(),
  ACCESS_TOKEN_TTL_S: positiveInt.default(DEFAULT_ACCESS_TOKEN_TTL_S),
  REFRESH_TOKEN_TTL_S: positiveInt.default(DEFAULT_REFRESH_TOKEN_TTL_S),
  MAX_MESSAGE_BYTES: positiveInt.max(1024 * 1024).default(16 * 1024),
  MAX_HTTP_BODY_BYTES: positiveInt.max(1024 * 1024).default(16 * 1024),
  DAILY_LIKE_QUOTA: z.coerce.number().int().min(0).max(100_000).default(DEFAULT_DAILY_LIKE_QUOTA),
  H3_RESOLUTION: z.coerce.number().int().min(0).max(15).default(DEFAULT_H3_RESOLUTION),
  ADMIN_API_KEY: z.string().min(1).optional(),
  ACTOR_PLACEMENT: z.enum(['balanced', 'local']).default('balanced'),
  EVENT_LOOP_LAG_LIMIT_MS: positiveInt.max(60_000).default(DEFAULT_LAG_LIMIT_MS),
  MESSAGE_RATE_PER_S: z.coerce.number().positive().max(100_000).default(10),
  MESSAGE_BURST: positiveInt.max(100_000).default(30),
  SWIPE_RATE_PER_S: z.coerce.number().positive().max(100_000).default(10),
  SWIPE_BURST: positiveInt.max(100_000).default(50),
  LIVEKIT_URL: url(['ws', 'wss', 'http', 'https']).optional(),
  LIVEKIT_API_KEY: z.string().min(1).optional(),
  LIVEKIT_API_SECRET: z.string().min(1).optional(),
  MAX_ACTIVE_CALLS: positiveInt.max(10_000_000).default(DEFAULT_MAX_ACTIVE_CALLS),
  STALE_NODE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type RateRules = Readonly<Record<RateLimitedAction, RateRule>>;

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly http: {
    readonly port: number;
    readonly host: string;
    /** Where clients reach this node; only set in a cluster (Redis), where joins are routed to it. */
    readonly publicAddress: string | undefined;
    readonly maxBodyBytes: number;
    readonly maxMessageBytes: number;
  };
  /**
   * Where a new actor is created: `balanced` on the node holding the fewest rooms,
   * `local` on the node that took the join (for sticky load balancers, and for
   * tests that need an actor on a given node).
   */
  readonly actorPlacement: 'balanced' | 'local';
  /** Event-loop lag (p99 over a second) at which the node starts shedding, see domain/loadShedding. */
  readonly lagLimitMs: number;
  /** Per-user token buckets, shared by the user's devices (and nodes, with Redis). */
  readonly rateLimits: RateRules;
  /**
   * How long a node may stay silent before the cluster takes it for dead: the
   * wait for its answer to a join, and the period of the sweep that removes dead
   * nodes' actors from the listing, so joins stop being sent to them.
   */
  readonly staleNodeTimeoutMs: number;
  readonly database:
    | { readonly kind: 'postgres'; readonly url: string; readonly poolSize: number }
    | { readonly kind: 'pglite'; readonly dataDir: string };
  readonly redis: { readonly url: string } | undefined;
  readonly auth: {
    readonly jwtSecret: string;
    readonly accessTokenTtlS: number;
    readonly refreshTokenTtlS: number;
    /** Bearer key of the operator routes (`/admin/*`); they are off without one. */
    readonly adminApiKey: string | undefined;
  };
  readonly matching: {
    readonly dailyLikeQuota: number;
    readonly h3Resolution: number;
  };
  readonly liveKit: {
    readonly url: string;
    readonly apiKey: string;
    readonly apiSecret: string;
    /** True when running on the development credentials: tokens work, no media server is assumed. */
    readonly development: boolean;
  };
  readonly calls: { readonly maxActive: number };
  readonly logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once. A bad value throws a ConfigError naming each bad
 * variable; the entry point prints it and exits non-zero.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, as shells and PM2 files often pass them.
  const cleaned = Object.fromEntries(
    Object.keys(EnvSchema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];

  const jwtSecret = e.JWT_SECRET ?? DEVELOPMENT_JWT_SECRET;
  if (e.NODE_ENV === 'production') {
    if (e.JWT_SECRET === undefined) {
      problems.push('JWT_SECRET: must be set when NODE_ENV=production');
    } else if (e.JWT_SECRET === DEVELOPMENT_JWT_SECRET) {
      problems.push('JWT_SECRET: the development secret cannot be used when NODE_ENV=production');
    } else if (e.JWT_SECRET.length < MIN_JWT_SECRET_LENGTH) {
      problems.push(`JWT_SECRET: must be at least ${MIN_JWT_SECRET_LENGTH} characters when NODE_ENV=production`);
    }
  }
  if (e.ADMIN_API_KEY !== undefined && e.ADMIN_API_KEY.length < MIN_JWT_SECRET_LENGTH) {
    problems.push(`ADMIN_API_KEY: must be at least ${MIN_JWT_SECRET_LENGTH} characters`);
  }
  const liveKitSet = [e.LIVEKIT_URL, e.LIVEKIT_API_KEY, e.LIVEKIT_API_SECRET].filter((v) => v !== undefined).length;
  if (liveKitSet !== 0 && liveKitSet !== 3) problems.push('LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET: set all three or none');
  if (e.NODE_ENV === 'production' && (liveKitSet === 0 || e.LIVEKIT_API_SECRET === DEVELOPMENT_LIVEKIT.apiSecret)) {
    problems.push('LIVEKIT_API_SECRET: a real LiveKit key and secret must be set when NODE_ENV=production');
  }
  if (e.REDIS_URL !== undefined && e.DATABASE_URL === undefined) {
    problems.push('DATABASE_URL: must be set with REDIS_URL, since the nodes of a cluster share one Postgres');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const config: Config = {
    env: e.NODE_ENV,
    http: {
      port: e.PORT,
      host: e.HOST,
      publicAddress: e.REDIS_URL === undefined ? undefined : (e.PUBLIC_ADDRESS ?? `${e.PUBLIC_HOST}:${e.PORT}`),
      maxBodyBytes: e.MAX_HTTP_BODY_BYTES,
      maxMessageBytes: e.MAX_MESSAGE_BYTES,
    },
    actorPlacement: e.ACTOR_PLACEMENT,
    lagLimitMs: e.EVENT_LOOP_LAG_LIMIT_MS,
    rateLimits: {
      message: { perSecond: e.MESSAGE_RATE_PER_S, burst: e.MESSAGE_BURST },
      swipe: { perSecond: e.SWIPE_RATE_PER_S, burst: e.SWIPE_BURST },
      ...LOGIN_RULES,
    },
    staleNodeTimeoutMs: e.STALE_NODE_TIMEOUT_MS,
    database:
      e.DATABASE_URL !== undefined
        ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
        : { kind: 'pglite', dataDir: path.resolve(e.KISMET_DATA_DIR, 'pglite') },
    redis: e.REDIS_URL !== undefined ? { url: e.REDIS_URL } : undefined,
    auth: {
      jwtSecret,
      accessTokenTtlS: e.ACCESS_TOKEN_TTL_S,
      refreshTokenTtlS: e.REFRESH_TOKEN_TTL_S,
      adminApiKey: e.ADMIN_API_KEY,
    },
    matching: {
      dailyLikeQuota: e.DAILY_LIKE_QUOTA,
      h3Resolution: e.H3_RESOLUTION,
    },
    liveKit:
      e.LIVEKIT_URL !== undefined && e.LIVEKIT_API_KEY !== undefined && e.LIVEKIT_API_SECRET !== undefined
        ? { url: e.LIVEKIT_URL, apiKey: e.LIVEKIT_API_KEY, apiSecret: e.LIVEKIT_API_SECRET, development: false }
        : { ...DEVELOPMENT_LIVEKIT, development: true },
    calls: { maxActive: e.MAX_ACTIVE_CALLS },
    logLevel: e.LOG_LEVEL,
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
