/** Where and how a node publishes domain events; undefined (off) without NATS_URL. */
export interface DomainEventsConfig {
  /** NATS servers, comma-separated in NATS_URL (`nats://host:4222`). */
  readonly servers: readonly string[];
  /** The JetStream stream, created if missing (NATS_STREAM). */
  readonly stream: string;
  /** Subjects are `<prefix>.<type>` (NATS_SUBJECT_PREFIX). */
  readonly subjectPrefix: string;
  /** JetStream drops a repeat of a message id within this window: longer than a lease and a restart. */
  readonly duplicateWindowMs: number;
  /** How long the stream keeps a message (its max_age when Kismet creates it). */
  readonly maxAgeMs: number;
  /** How long a worker holds rows it leased; a killed node's rows are published again after it. */
  readonly leaseMs: number;
  /** Published rows are deleted after this long (the push outbox's retention). */
  readonly retentionMs: number;
}

export const DEFAULT_NATS_STREAM = 'KISMET';
export const DEFAULT_NATS_SUBJECT_PREFIX = 'kismet';

/** A stream name JetStream takes: no spaces, dots, wildcards or path separators. */
const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Dot-separated subject tokens without wildcards. */
const SUBJECT_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export interface NatsEnvironment {
  readonly NATS_URL?: string | undefined;
  readonly NATS_STREAM: string;
  readonly NATS_SUBJECT_PREFIX: string;
  readonly NATS_DUPLICATE_WINDOW_S: number;
  readonly NATS_STREAM_MAX_AGE_S: number;
  readonly DOMAIN_EVENTS_LEASE_MS: number;
  readonly PUSH_RETENTION_S: number;
}

/** Reads the NATS settings, naming each bad variable in `problems`. */
export function parseDomainEventsConfig(e: NatsEnvironment, problems: string[]): DomainEventsConfig | undefined {
  if (e.NATS_URL === undefined) return undefined;
  const servers = e.NATS_URL.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const server of servers) {
    let ok = false;
    try {
      const parsed = new URL(server);
      ok = ['nats:', 'tls:'].includes(parsed.protocol) && parsed.hostname.length > 0;
    } catch {
      ok = false;
    }
    if (!ok) problems.push(`NATS_URL: "${withoutCredentials(server)}" is not a nats:// or tls:// address`);
  }
  if (servers.length === 0) problems.push('NATS_URL: names no server');
  if (!STREAM_NAME.test(e.NATS_STREAM)) problems.push('NATS_STREAM: 1–64 of A–Z a–z 0–9 _ -');
  if (!SUBJECT_PREFIX.test(e.NATS_SUBJECT_PREFIX)) problems.push('NATS_SUBJECT_PREFIX: dot-separated tokens of A–Z a–z 0–9 _ - (no wildcards)');
  if (e.NATS_DUPLICATE_WINDOW_S * 1000 < 2 * e.DOMAIN_EVENTS_LEASE_MS) {
    problems.push('NATS_DUPLICATE_WINDOW_S: must cover at least twice DOMAIN_EVENTS_LEASE_MS, or a killed node\'s repeat could pass as new');
  }
  if (e.NATS_STREAM_MAX_AGE_S < e.NATS_DUPLICATE_WINDOW_S) problems.push('NATS_STREAM_MAX_AGE_S: must be at least NATS_DUPLICATE_WINDOW_S');
  return {
    servers,
    stream: e.NATS_STREAM,
    subjectPrefix: e.NATS_SUBJECT_PREFIX,
    duplicateWindowMs: e.NATS_DUPLICATE_WINDOW_S * 1000,
    maxAgeMs: e.NATS_STREAM_MAX_AGE_S * 1000,
    leaseMs: e.DOMAIN_EVENTS_LEASE_MS,
    retentionMs: e.PUSH_RETENTION_S * 1000,
  };
}

/** A server address fit for logs: any user and password in it left out. */
export function withoutCredentials(server: string): string {
  return server.replace(/^([a-z]+:\/\/)[^@/]*@/i, '$1');
}
