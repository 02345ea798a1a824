/** The variables a Kismet node takes, and how each is parsed. server/config.ts reads them and checks how they go together. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { DEFAULT_LAG_LIMIT_MS } from '../domain/loadShedding';
import { isRateLimitedAction, type RateLimitedAction, type RateRule } from '../domain/rateLimits';
import { DEFAULT_CONNECTION_MESSAGES } from '../domain/messagePace';
import { DEFAULT_H3_RESOLUTION } from '../domain/geo';
import { DEFAULT_MAX_ACTIVE_CALLS } from '../domain/callState';
import { DEFAULT_DAILY_LIKE_QUOTA } from '../domain/swipeRules';
import { DEFAULT_RETENTION_PRUNE_INTERVAL_MS, DEFAULT_STORED_EVENT_RETENTION_DAYS } from '../domain/userEvents';
import type { MediaHosts } from '../domain/hostNames';
import { hostNameList } from './hostNameSetting';

/**
 * A signing secret that once shipped in Kismet's source, so anyone can sign
 * with it: refused everywhere but a local development node.
 */
export const DEVELOPMENT_JWT_SECRET = 'kismet-development-secret-not-for-production';
export const DEFAULT_PORT = 2567;
export const DEFAULT_DATA_DIR = '.data';
export const DEFAULT_ACCESS_TOKEN_TTL_S = 15 * 60;
export const DEFAULT_REFRESH_TOKEN_TTL_S = 7 * 24 * 60 * 60;
/** A phone that lost the answer to a refresh retries within seconds (see domain/refreshTokenRules). */
export const DEFAULT_REFRESH_REUSE_GRACE_MS = 30_000;
export const MIN_JWT_SECRET_LENGTH = 32;
/** How long a command may wait on Postgres or Redis before it is answered UNAVAILABLE. */
export const DEFAULT_DEPENDENCY_TIMEOUT_MS = 5_000;
export const DEFAULT_JOIN_CONCURRENCY = 256;
/** Long enough for a node to serve a dead node's sessions rejoining at once (10,000 at about 1,000 a second here). */
export const DEFAULT_JOIN_WAIT_MS = 15_000;
/** How long an actor outlives its last connection unless ACTOR_LINGER_MS says otherwise. */
export const DEFAULT_ACTOR_LINGER_MS = 5_000;
/** The contract: no command waits longer than this for an answer, whatever the configuration. */
export const MAX_DEPENDENCY_TIMEOUT_MS = 10_000;

/**
 * LiveKit's own development credentials (`livekit-server --dev`), public like
 * any default: accepted only on a local development node, where a developer
 * may point Kismet at a local LiveKit. Without settings a node signs with a
 * random key of its own instead.
 */
export const DEVELOPMENT_LIVEKIT = { url: 'ws://127.0.0.1:7880', apiKey: 'devkey', apiSecret: 'secret' } as const;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || (isIP(host) === 4 && host.startsWith('127.'));
}

/** The host of an advertised address (`host:port`, `[v6]:port`, optionally with a path). */
export function addressHost(address: string): string {
  const hostPort = address.split('/')[0] ?? '';
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  return hostPort.split(':').length === 2 ? hostPort.slice(0, hostPort.lastIndexOf(':')) : hostPort;
}

/**
 * Where a node stands: `local` (embedded database, loopback HOST, not production)
 * is a developer's machine, which may take any origin and media host; `production`
 * refuses `*` for them.
 */
export interface NodeStanding {
  readonly local: boolean;
  readonly production: boolean;
}

/** Said of what a node may only do when it is local. */
export const NOT_LOCAL = 'outside a local development node (embedded database, loopback HOST, not production)';

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const url = (protocols: readonly string[]) =>
  z
    .string()
    .url()
    .refine((value) => protocols.some((p) => value.startsWith(`${p}:`)), {
      message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    });

/** Every variable a node reads, with its default. Empty strings count as unset (see loadConfig). */
export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(DEFAULT_PORT),
  HOST: z.string().min(1).optional(),
  PUBLIC_HOST: z.string().regex(/^[A-Za-z0-9.\-\[\]:]+$/, 'must be a host name or address').default('127.0.0.1'),
  PUBLIC_ADDRESS: z
    .string()
    .regex(/^[A-Za-z0-9.\-\[\]:]+(\/[\w\-./]*)?$/, 'must be host:port, optionally with a path')
    .optional(),
  KISMET_DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR),
  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  /** `1`: a production node may run on the embedded database, alone (see loadConfig). */
  KISMET_SINGLE_NODE: z.enum(['0', '1'], { message: 'must be 1 (or 0)' }).optional(),
  DATABASE_POOL_SIZE: positiveInt.max(200).default(10),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  JWT_SECRET: z.string().min(1).optional(),
  ACCESS_TOKEN_TTL_S: positiveInt.default(DEFAULT_ACCESS_TOKEN_TTL_S),
  REFRESH_TOKEN_TTL_S: positiveInt.default(DEFAULT_REFRESH_TOKEN_TTL_S),
  /** How long a spent refresh token's retry, its successor unused, still gets a pair; 0: never. */
  REFRESH_REUSE_GRACE_MS: z.coerce.number().int().min(0).max(300_000).default(DEFAULT_REFRESH_REUSE_GRACE_MS),
  MAX_MESSAGE_BYTES: positiveInt.max(1024 * 1024).default(16 * 1024),
  MAX_HTTP_BODY_BYTES: positiveInt.max(1024 * 1024).default(16 * 1024),
  DAILY_LIKE_QUOTA: z.coerce.number().int().min(0).max(100_000).default(DEFAULT_DAILY_LIKE_QUOTA),
  H3_RESOLUTION: z.coerce.number().int().min(0).max(15).default(DEFAULT_H3_RESOLUTION),
  ADMIN_API_KEY: z.string().min(1).optional(),
  /** Key of the hashes of erased, sanctioned accounts' emails (server/auth/emailKeys.ts); JWT_SECRET without it. */
  EMAIL_SANCTION_SECRET: z.string().min(1).optional(),
  ACTOR_PLACEMENT: z.enum(['balanced', 'local']).default('balanced'),
  EVENT_LOOP_LAG_LIMIT_MS: positiveInt.max(60_000).default(DEFAULT_LAG_LIMIT_MS),
  MESSAGE_RATE_PER_S: z.coerce.number().positive().max(100_000).default(10),
  MESSAGE_BURST: positiveInt.max(100_000).default(30),
  SWIPE_RATE_PER_S: z.coerce.number().positive().max(100_000).default(10),
  SWIPE_BURST: positiveInt.max(100_000).default(50),
  /** Messages one connection may send its actor, of any type: a burst, then so many a second (domain/messagePace.ts). */
  CONNECTION_MESSAGE_RATE_PER_S: z.coerce.number().positive().max(100_000).default(DEFAULT_CONNECTION_MESSAGES.perSecond),
  CONNECTION_MESSAGE_BURST: positiveInt.max(100_000).default(DEFAULT_CONNECTION_MESSAGES.burst),
  LIVEKIT_URL: url(['ws', 'wss', 'http', 'https']).optional(),
  LIVEKIT_API_KEY: z.string().min(1).optional(),
  LIVEKIT_API_SECRET: z.string().min(1).optional(),
  MAX_ACTIVE_CALLS: positiveInt.max(10_000_000).default(DEFAULT_MAX_ACTIVE_CALLS),
  STALE_NODE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  ACTOR_LINGER_MS: z.coerce.number().int().min(0).max(600_000).default(DEFAULT_ACTOR_LINGER_MS),
  /** Joins a node works on at once; the rest wait their turn (server/http/joinGate.ts). */
  JOIN_CONCURRENCY: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_JOIN_CONCURRENCY),
  /** The longest a join waits for its turn before it is refused UNAVAILABLE. */
  JOIN_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(DEFAULT_JOIN_WAIT_MS),
  DEPENDENCY_TIMEOUT_MS: z.coerce.number().int().min(100).max(MAX_DEPENDENCY_TIMEOUT_MS).default(DEFAULT_DEPENDENCY_TIMEOUT_MS),
  /** Stored events a device acknowledged are pruned once older than this (fractions allowed). */
  STORED_EVENT_RETENTION_DAYS: z.coerce.number().positive().max(3650).default(DEFAULT_STORED_EVENT_RETENTION_DAYS),
  /** How often a node tries to run the pruning job (one node of the cluster runs it at a time). */
  RETENTION_PRUNE_INTERVAL_MS: z.coerce.number().int().min(100).max(24 * 60 * 60 * 1000).default(DEFAULT_RETENTION_PRUNE_INTERVAL_MS),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `action=perSecond:burst,...`: per-user (or per-address) buckets other than the defaults. */
  RATE_LIMITS: z.string().optional(),
  /** Origins (comma-separated) whose pages may call the monitor panel's API; none by default. */
  MONITOR_ORIGINS: z.string().optional(),
  /** Origins (comma-separated, or `*` outside production) whose pages may call the node's routes; unset: any on a local node, none elsewhere. */
  CORS_ORIGINS: z.string().optional(),
  /** Hosts (comma-separated, or `*` outside production) the app's storage serves photos and chat media from; required but on a local node. */
  MEDIA_HOSTS: z.string().optional(),
  /** The public hosts of a cluster's other machines (comma-separated): the web app a node serves may connect to their nodes. */
  CLUSTER_HOSTS: z.string().optional(),
  /** Address ranges of the proxies in front of the nodes, whose X-Forwarded-For is believed (server/http/trustedProxies.ts). */
  TRUSTED_PROXIES: z.string().optional(),
  /** Retired for TRUSTED_PROXIES: a count of proxies believed X-Forwarded-For from any peer. Refused when set, see config.ts. */
  TRUSTED_PROXY_HOPS: z.string().optional(),
  /** Push providers, each off without its settings; server/push/pushConfig.ts checks them together. */
  /** Attempts of one push before it is dead-lettered, and how long delivered rows are kept. */
  PUSH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  PUSH_RETENTION_S: z.coerce.number().int().min(0).max(90 * 86400).default(86400),
  /** How long a worker holds the rows it leased; a crashed node's rows are sent again after it. */
  PUSH_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** How often a worker reads the outbox while notifications of added rows wake it (rows due later, a missed notification). */
  PUSH_POLL_MS: z.coerce.number().int().min(100).max(3_600_000).default(1000),
  /** Domain events to NATS JetStream, off without NATS_URL; server/events/natsConfig.ts checks them together. */
  NATS_URL: z.string().optional(),
  NATS_STREAM: z.string().default('KISMET'),
  NATS_SUBJECT_PREFIX: z.string().default('kismet'),
  NATS_DUPLICATE_WINDOW_S: z.coerce.number().int().min(1).max(7 * 86400).default(600),
  NATS_STREAM_MAX_AGE_S: z.coerce.number().int().min(1).max(365 * 86400).default(7 * 86400),
  DOMAIN_EVENTS_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  WEB_PUSH_VAPID_PUBLIC_KEY: z.string().optional(),
  WEB_PUSH_VAPID_PRIVATE_KEY: z.string().optional(),
  WEB_PUSH_SUBJECT: z.string().optional(),
  WEB_PUSH_ENDPOINT_HOSTS: z.string().optional(),
  FCM_SERVICE_ACCOUNT_FILE: z.string().optional(),
  FCM_ENDPOINT: url(['https']).optional(),
  FCM_TOKEN_ENDPOINT: url(['https']).optional(),
  APNS_KEY_FILE: z.string().optional(),
  APNS_KEY_ID: z.string().optional(),
  APNS_TEAM_ID: z.string().optional(),
  APNS_TOPIC: z.string().optional(),
  APNS_ENDPOINT: url(['https']).optional(),
});

/** Parses `RATE_LIMITS`: `deck=5:50,typing=1:5`; problems name the bad entry. */
export function parseRateOverrides(text: string | undefined, problems: string[]): Partial<Record<RateLimitedAction, RateRule>> {
  const rules: Partial<Record<RateLimitedAction, RateRule>> = {};
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter((e) => e.length > 0)) {
    const match = /^([a-z.]+)=([0-9.]+):([0-9]+)$/.exec(entry);
    const perSecond = Number(match?.[2]);
    const burst = Number(match?.[3]);
    if (!match || !isRateLimitedAction(match[1]!) || !(perSecond > 0) || !(burst >= 1)) {
      problems.push(`RATE_LIMITS: "${entry}" is not <action>=<per second>:<burst> for a known action`);
      continue;
    }
    rules[match[1] as RateLimitedAction] = { perSecond, burst };
  }
  return rules;
}

/**
 * Parses `CORS_ORIGINS`: `*` (any origin; refused in production) or origins such as
 * `https://app.example.com,http://localhost:5173`. Unset: any origin on a local
 * development node, none on any other. Problems name the bad entry.
 */
export function parseCorsOrigins(text: string | undefined, node: NodeStanding, problems: string[]): 'any' | readonly string[] {
  if (text === undefined) return node.local ? 'any' : [];
  const entries = text.split(',').map((e) => e.trim()).filter((e) => e.length > 0);
  if (entries.includes('*')) {
    if (node.production) problems.push('CORS_ORIGINS: "*" is refused when NODE_ENV=production; list the origins');
    return 'any';
  }
  for (const entry of entries) {
    let origin: string | undefined;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = undefined;
    }
    if (origin !== entry || !/^https?:/.test(entry)) problems.push(`CORS_ORIGINS: "${entry}" is not an origin (scheme://host[:port], no path)`);
  }
  return entries;
}

/**
 * Parses `MEDIA_HOSTS`: `*` (any https host; refused in production) or host names such as
 * `media.example.com,cdn.example.net`. Unset: any host on a local development node; any
 * other node must name them, since a photo on a host of a user's choosing hands that
 * user the address of every device that shows it.
 */
export function parseMediaHosts(text: string | undefined, node: NodeStanding, problems: string[]): MediaHosts {
  const list = 'list the hosts your storage serves photos and media from';
  if (text === undefined) {
    if (!node.local) problems.push(`MEDIA_HOSTS: must be set ${NOT_LOCAL}; ${list} (or * outside production)`);
    return 'any';
  }
  if (text.trim() === '*') {
    if (node.production) problems.push(`MEDIA_HOSTS: "*" is refused when NODE_ENV=production; ${list}`);
    return 'any';
  }
  return hostNameList('MEDIA_HOSTS', text, problems);
}
