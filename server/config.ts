import path from 'node:path';
import { COMMAND_RULES, HTTP_RULES, LOGIN_RULES, type RateLimitedAction, type RateRule } from '../domain/rateLimits';
import type { MediaHosts } from '../domain/hostNames';
import {
  addressHost,
  DEVELOPMENT_LIVEKIT,
  EnvSchema,
  isLoopbackHost,
  NOT_LOCAL,
  parseCorsOrigins,
  parseMediaHosts,
  parseRateOverrides,
} from './environment';
import { randomSecrets, readOrCreateLocalSecrets, type LocalSecrets } from './localSecrets';
import { parseDomainEventsConfig, type DomainEventsConfig } from './events/natsConfig';
import { parsePushConfig, type PushConfig } from './push/pushConfig';
import { parseTrustedProxies } from './http/trustedProxies';
import { hostNameList } from './hostNameSetting';
import { parseAuthConfig, type AuthConfig } from './auth/authConfig';

export {
  DEFAULT_ACCESS_TOKEN_TTL_S,
  DEFAULT_DATA_DIR,
  DEFAULT_PORT,
  DEFAULT_REFRESH_TOKEN_TTL_S,
  DEFAULT_DEPENDENCY_TIMEOUT_MS,
  MAX_DEPENDENCY_TIMEOUT_MS,
  DEVELOPMENT_JWT_SECRET,
  DEVELOPMENT_LIVEKIT,
  MIN_JWT_SECRET_LENGTH,
} from './environment';

export type RateRules = Readonly<Record<RateLimitedAction, RateRule>>;

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  /**
   * A development node nobody else can reach or share data with: embedded
   * database and presence, listening on loopback only.
   */
  readonly local: boolean;
  readonly http: {
    readonly port: number;
    readonly host: string;
    /** Where clients reach this node; only set in a cluster (Redis), where joins are routed to it. */
    readonly publicAddress: string | undefined;
    readonly maxBodyBytes: number;
    readonly maxMessageBytes: number;
    /** Origins whose pages may call the monitor panel's API. */
    readonly monitorOrigins: readonly string[];
    /** Origins whose pages may call the node's routes and matchmaking (CORS): any, or those listed. */
    readonly corsOrigins: 'any' | readonly string[];
    /** Address ranges (CIDR) of the proxies in front, whose X-Forwarded-For entries are believed; none: the socket's peer is the client. */
    readonly trustedProxies: readonly string[];
    /** The public hosts of the cluster's other machines (CLUSTER_HOSTS), whose nodes the web app served here may connect to. */
    readonly clusterHosts: readonly string[];
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
  /** What one connection may send its actor, of any type (CONNECTION_MESSAGE_RATE_PER_S, CONNECTION_MESSAGE_BURST; domain/messagePace.ts). */
  readonly connectionMessages: RateRule;
  /**
   * How long a node may stay silent before the cluster takes it for dead: the
   * wait for its answer to a join, and the period of the sweep that removes dead
   * nodes' actors from the listing, so joins stop being sent to them.
   */
  readonly staleNodeTimeoutMs: number;
  /**
   * The longest a command waits on Postgres or Redis: a connection attempt, a
   * query, a Redis command, and the whole command, after which it is answered
   * UNAVAILABLE (at most MAX_DEPENDENCY_TIMEOUT_MS).
   */
  readonly dependencyTimeoutMs: number;
  /** Joins a node works on at once (JOIN_CONCURRENCY); the others wait their turn up to joinWaitMs (JOIN_WAIT_MS). */
  readonly joinConcurrency: number;
  readonly joinWaitMs: number;
  /** How long a session, thread or live event actor outlives its last connection (see ActorRoom.lingerWhenEmpty). */
  readonly actorLingerMs: number;
  readonly database:
    | { readonly kind: 'postgres'; readonly url: string; readonly poolSize: number }
    | { readonly kind: 'pglite'; readonly dataDir: string };
  readonly redis: { readonly url: string } | undefined;
  readonly auth: AuthConfig;
  readonly matching: {
    readonly dailyLikeQuota: number;
    readonly h3Resolution: number;
  };
  /** Where photos and media messages may point (MEDIA_HOSTS). */
  readonly mediaHosts: MediaHosts;
  readonly liveKit: {
    readonly url: string;
    readonly apiKey: string;
    readonly apiSecret: string;
    /** True when LIVEKIT_URL names a LiveKit server, whose room service Kismet then drives; tokens work either way. */
    readonly mediaServer: boolean;
    /** Where the key came from: the environment, the data folder (a local node), or made for this process alone. */
    readonly keySource: 'environment' | 'data-folder' | 'process';
  };
  readonly calls: { readonly maxActive: number };
  /** Stored events acknowledged by a device and older than `storedEventMaxAgeMs` are pruned, every `pruneIntervalMs`. */
  readonly retention: {
    readonly storedEventMaxAgeMs: number;
    readonly pruneIntervalMs: number;
    /** How long a refresh token is kept past its expiry: one more lifetime, so a spent one presented by a device away that long still revokes its session. */
    readonly spentTokenKeptMs: number;
  };
  /** Push providers (Web Push, FCM, APNs); a development node signs Web Push with keys of its own. */
  readonly push: PushConfig;
  /** The push outbox's workers. */
  readonly pushOutbox: { readonly maxAttempts: number; readonly retentionMs: number; readonly leaseMs: number; readonly heardPollMs: number };
  /** Domain events out to NATS JetStream; undefined without NATS_URL (nothing is written or published). */
  readonly domainEvents: DomainEventsConfig | undefined;
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
export interface ConfigSources {
  /** The development node's own secrets, kept in its data folder (made on first use). */
  readonly localSecrets?: (dataDir: string) => LocalSecrets;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, sources: ConfigSources = {}): Config {
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
  const production = e.NODE_ENV === 'production';
  const host = e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1');
  const embedded = e.DATABASE_URL === undefined && e.REDIS_URL === undefined;
  const local = embedded && isLoopbackHost(host) && !production;
  const dataDir = path.resolve(e.KISMET_DATA_DIR);
  let localSecrets: LocalSecrets | undefined;
  const ownSecrets = () => (localSecrets ??= (sources.localSecrets ?? readOrCreateLocalSecrets)(dataDir));

  const auth = parseAuthConfig(e, { local, production, embedded, ownJwtSecret: () => ownSecrets().jwtSecret }, problems);

  const liveKitKeySet = e.LIVEKIT_API_KEY !== undefined && e.LIVEKIT_API_SECRET !== undefined;
  if ((e.LIVEKIT_API_KEY === undefined) !== (e.LIVEKIT_API_SECRET === undefined)) {
    problems.push('LIVEKIT_API_KEY, LIVEKIT_API_SECRET: set both or neither');
  } else if (e.LIVEKIT_URL !== undefined && !liveKitKeySet) {
    problems.push('LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET: a LiveKit server needs its key and secret');
  }
  if (production && (e.LIVEKIT_URL === undefined || !liveKitKeySet)) {
    problems.push('LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET: a real LiveKit server must be set when NODE_ENV=production');
  }
  if (!local && e.LIVEKIT_API_SECRET === DEVELOPMENT_LIVEKIT.apiSecret) {
    problems.push(`LIVEKIT_API_SECRET: LiveKit's public development secret is refused ${NOT_LOCAL}`);
  }
  let liveKitKey: { apiKey: string; apiSecret: string; keySource: Config['liveKit']['keySource'] };
  if (e.LIVEKIT_API_KEY !== undefined && e.LIVEKIT_API_SECRET !== undefined) {
    liveKitKey = { apiKey: e.LIVEKIT_API_KEY, apiSecret: e.LIVEKIT_API_SECRET, keySource: 'environment' };
  } else if (embedded) {
    liveKitKey = { apiKey: ownSecrets().liveKitApiKey, apiSecret: ownSecrets().liveKitApiSecret, keySource: 'data-folder' };
  } else {
    // No media server and no key: tokens nobody checks, and webhooks nobody can sign.
    const made = randomSecrets();
    liveKitKey = { apiKey: made.liveKitApiKey, apiSecret: made.liveKitApiSecret, keySource: 'process' };
  }

  if (e.REDIS_URL !== undefined && e.DATABASE_URL === undefined) {
    problems.push('DATABASE_URL: must be set with REDIS_URL, since the nodes of a cluster share one Postgres');
  } else if (production && e.DATABASE_URL === undefined && e.KISMET_SINGLE_NODE !== '1') {
    // Under PM2 a forgotten DATABASE_URL would leave one node on an embedded database and the others restarting.
    problems.push('DATABASE_URL: must be set when NODE_ENV=production (or KISMET_SINGLE_NODE=1 to run this one node on the embedded database)');
  }
  if (e.KISMET_SINGLE_NODE === '1' && e.REDIS_URL !== undefined) problems.push('KISMET_SINGLE_NODE: a single node has no cluster to share a Redis with; unset REDIS_URL or KISMET_SINGLE_NODE');
  // Joins routed through Redis send clients to this address: loopback names their own machine.
  const publicAddress = e.REDIS_URL === undefined ? undefined : (e.PUBLIC_ADDRESS ?? `${e.PUBLIC_HOST}:${e.PORT}`);
  const [setting, advertisedHost] = e.PUBLIC_ADDRESS === undefined ? (['PUBLIC_HOST', e.PUBLIC_HOST] as const) : (['PUBLIC_ADDRESS', addressHost(e.PUBLIC_ADDRESS)] as const);
  if (publicAddress !== undefined && !isLoopbackHost(host) && isLoopbackHost(advertisedHost)) {
    problems.push(`${setting}: ${publicAddress} is loopback, yet this node listens on ${host} and a cluster (REDIS_URL) sends other machines' clients to it; set ${setting} to the address they reach it at`);
  }
  const rateOverrides = parseRateOverrides(e.RATE_LIMITS, problems);
  const corsOrigins = parseCorsOrigins(e.CORS_ORIGINS, { local, production }, problems);
  const mediaHosts = parseMediaHosts(e.MEDIA_HOSTS, { local, production }, problems);
  const trustedProxies = parseTrustedProxies(e.TRUSTED_PROXIES, e.TRUSTED_PROXY_HOPS, problems);
  const clusterHosts = e.CLUSTER_HOSTS === undefined ? [] : hostNameList('CLUSTER_HOSTS', e.CLUSTER_HOSTS, problems);
  const push = parsePushConfig(e, !production && embedded ? () => ownSecrets().vapid : undefined, problems);
  const domainEvents = parseDomainEventsConfig(e, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const config: Config = {
    env: e.NODE_ENV,
    local,
    http: {
      port: e.PORT,
      host,
      publicAddress,
      maxBodyBytes: e.MAX_HTTP_BODY_BYTES,
      maxMessageBytes: e.MAX_MESSAGE_BYTES,
      monitorOrigins: (e.MONITOR_ORIGINS ?? '').split(',').map((o) => o.trim()).filter((o) => o.length > 0),
      corsOrigins,
      trustedProxies,
      clusterHosts,
    },
    actorPlacement: e.ACTOR_PLACEMENT,
    lagLimitMs: e.EVENT_LOOP_LAG_LIMIT_MS,
    rateLimits: {
      message: { perSecond: e.MESSAGE_RATE_PER_S, burst: e.MESSAGE_BURST },
      swipe: { perSecond: e.SWIPE_RATE_PER_S, burst: e.SWIPE_BURST },
      ...LOGIN_RULES,
      ...HTTP_RULES,
      ...COMMAND_RULES,
      ...rateOverrides,
    },
    connectionMessages: { perSecond: e.CONNECTION_MESSAGE_RATE_PER_S, burst: e.CONNECTION_MESSAGE_BURST },
    staleNodeTimeoutMs: e.STALE_NODE_TIMEOUT_MS,
    dependencyTimeoutMs: e.DEPENDENCY_TIMEOUT_MS,
    joinConcurrency: e.JOIN_CONCURRENCY,
    joinWaitMs: e.JOIN_WAIT_MS,
    actorLingerMs: e.ACTOR_LINGER_MS,
    database:
      e.DATABASE_URL !== undefined
        ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
        : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
    redis: e.REDIS_URL !== undefined ? { url: e.REDIS_URL } : undefined,
    auth,
    matching: {
      dailyLikeQuota: e.DAILY_LIKE_QUOTA,
      h3Resolution: e.H3_RESOLUTION,
    },
    mediaHosts,
    liveKit: { url: e.LIVEKIT_URL ?? DEVELOPMENT_LIVEKIT.url, ...liveKitKey, mediaServer: e.LIVEKIT_URL !== undefined },
    calls: { maxActive: e.MAX_ACTIVE_CALLS },
    retention: {
      storedEventMaxAgeMs: Math.round(e.STORED_EVENT_RETENTION_DAYS * 24 * 60 * 60 * 1000),
      pruneIntervalMs: e.RETENTION_PRUNE_INTERVAL_MS,
      spentTokenKeptMs: e.REFRESH_TOKEN_TTL_S * 1000,
    },
    push,
    pushOutbox: { maxAttempts: e.PUSH_MAX_ATTEMPTS, retentionMs: e.PUSH_RETENTION_S * 1000, leaseMs: e.PUSH_LEASE_MS, heardPollMs: e.PUSH_POLL_MS },
    domainEvents,
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
