import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import webpush from 'web-push';
import { openDatabase } from '../../db/database';
import { analyzeTables } from '../../db/maintenance';
import { outboxBacklog } from '../../db/repositories/outboxMaintenanceRepository';
import { savePushTarget } from '../../db/repositories/pushTargetRepository';
import { insertRefreshToken } from '../../db/repositories/refreshTokenRepository';
import { MAX_PUSH_DEVICES } from '../../domain/push/notification';
import { saveReadMarker } from '../../db/repositories/threadRepository';
import type { Database } from '../../db/types';
import { storeThreadBatches, type ThreadBatch } from '../../db/repositories/messageBatchRepository';
import { testCertificate } from '../harness/push/tlsStandIn';
import { WebPushService } from '../harness/push/webPushService';
import { startBenchCluster } from '../harness/benchCluster';
import { onCleanup } from '../harness/cleanup';
import { newHistogram, percentiles, recordMs } from '../harness/histogram';
import { nodesRssMb } from '../harness/machine';
import { seedMatchedPairs, seedPersonCards, seedUsers, type SeededUser } from '../harness/seed';

export interface PushBenchOptions {
  readonly users: number;
  /** Messages stored per second (one per offline recipient). */
  readonly ratePerS: number;
  readonly nodes: number;
}

const STORE_BATCH = 100;
const STORES_IN_FLIGHT = 8;
/** Messages each thread held before the run, all of them read. */
const HISTORY_MESSAGES = 4;

/** Runs `f` over the items, a chunk at a time (the pool's connections in parallel). */
async function inChunks<T>(items: readonly T[], f: (item: T) => Promise<unknown>, chunk = 500): Promise<void> {
  for (let i = 0; i < items.length; i += chunk) await Promise.all(items.slice(i, i + chunk).map(f));
}

/**
 * The threads of a service that has been up a while: each pair's earlier
 * messages, both ways, all read. On empty tables Postgres plans scans, and the
 * nodes' prepared statements keep those plans as the tables fill (the outbox's
 * lease counted a recipient's unread messages by scanning every message); the
 * history, with the ANALYZE after it, has them planned for tables with rows.
 * Stored before any push target exists, so it owes no push.
 */
async function seedThreadHistory(db: Kysely<Database>, users: readonly SeededUser[], matchIds: readonly string[]): Promise<void> {
  const batches: ThreadBatch[] = matchIds.map((matchId, p) => ({
    matchId,
    expectedLastSeq: 0,
    messages: Array.from({ length: HISTORY_MESSAGES }, (_, k) => ({
      senderId: users[2 * p + (k % 2)]!.userId, clientMessageId: `history-${p}-${k}`, kind: 'text' as const, body: 'earlier', mediaUrl: null, hidden: false,
    })),
    notify: [],
  }));
  for (let i = 0; i < batches.length; i += STORE_BATCH) await storeThreadBatches(db, batches.slice(i, i + STORE_BATCH));
  const readAt = new Date();
  await inChunks(matchIds.flatMap((matchId, p) => [2 * p, 2 * p + 1].map((u) => ({ matchId, userId: users[u]!.userId }))), (m) =>
    saveReadMarker(db, m.matchId, m.userId, HISTORY_MESSAGES, readAt),
  );
}

/**
 * Offline users each receive one message notification through the Web Push
 * stand-in (VAPID verified, payload decrypted): the messages are stored as the
 * chat actors store them (storeThreadBatches, outbox rows in the same
 * transaction) at a fixed rate, and the nodes' outbox workers push them.
 * Measures pushes per second, event-to-provider latency (stored → accepted by
 * the stand-in) and the outbox's depth over time. Needs Postgres.
 */
export async function runPushBench(options: PushBenchOptions): Promise<Record<string, number | string>> {
  if (!process.env['DATABASE_URL'] || !process.env['REDIS_URL']) throw new Error('the push benchmark needs DATABASE_URL and REDIS_URL');
  const certificate = await testCertificate();
  const service = new WebPushService();
  await service.listen(certificate);
  onCleanup('web push stand-in', () => service.close());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-bench-push-'));
  onCleanup('push certificate', async () => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'ca.pem'), certificate.cert);
  const vapid = webpush.generateVAPIDKeys();
  const cluster = await startBenchCluster(options.nodes, {
    NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem'),
    WEB_PUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
    WEB_PUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
    WEB_PUSH_SUBJECT: 'mailto:bench@kismet.test',
    WEB_PUSH_ENDPOINT_HOSTS: new URL(service.origin).hostname,
  });
  process.stdout.write(`push: ${cluster.description}, ${options.users} offline recipients, ${options.ratePerS} messages/s\n`);

  const users = await seedUsers(options.users * 2, cluster.seedTarget);
  const cards = await seedPersonCards(users, cluster.seedTarget);
  const matchIds = await seedMatchedPairs(users, cards, cluster.seedTarget);
  const database = await openDatabase({ kind: 'postgres', url: cluster.seedTarget.databaseUrl!, poolSize: STORES_IN_FLIGHT });
  onCleanup('bench database pool', () => database.close());
  // Each recipient (the second of each pair) has a browser subscribed with the nodes' key, and is offline.
  const targets = matchIds.map((_, p) => ({ userId: users[2 * p + 1]!.userId, target: service.subscribe(vapid.publicKey) }));
  await seedThreadHistory(database.db, users, matchIds);
  const registeredAt = new Date();
  // Each registered by a log-in session live through the run (a device is pushed only while its session is).
  const sessionEnds = new Date(registeredAt.getTime() + 86_400_000);
  await inChunks(targets, async (t) => {
    const sessionId = randomUUID();
    await insertRefreshToken(database.db, { id: randomUUID(), userId: t.userId, familyId: sessionId, tokenHash: randomUUID(), expiresAt: sessionEnds });
    await savePushTarget(database.db, { userId: t.userId, deviceId: 'phone', target: t.target, sessionId, at: registeredAt }, MAX_PUSH_DEVICES);
  });
  // Fresh statistics: the nodes' plans are made again for tables of this size, not the empty ones they started on.
  await analyzeTables(database.db);

  const storedAt = new Map<string, number>();
  const latency = newHistogram();
  const pushedAt: Array<[threadId: string, atMs: number]> = [];
  let firstPushMs = 0;
  let lastPushMs = 0;
  service.on('push', () => {
    const now = Date.now();
    const payload = service.received[service.received.length - 1]!.payload as { data?: { threadId?: string } };
    // Kept until the end: a push may arrive before its store's commit has returned here.
    pushedAt.push([String(payload.data?.threadId), now]);
    firstPushMs ||= now;
    lastPushMs = now;
  });
  const depths: number[] = [];
  const sampler = setInterval(() => {
    outboxBacklog(database.db, 'push_outbox')
      .then((backlog) => depths.push(backlog.depth))
      .catch((error: unknown) => process.stderr.write(`push: depth sample failed: ${String(error)}\n`));
  }, 1000);
  onCleanup('depth sampler', async () => clearInterval(sampler));

  const started = Date.now();
  // Batches go out on their timetable, several at once, so storing never paces the pushes.
  const inFlight = new Set<Promise<void>>();
  const store = async (i: number): Promise<void> => {
    const batches: ThreadBatch[] = matchIds.slice(i, i + STORE_BATCH).map((matchId, k) => {
      const p = i + k;
      const sender = users[2 * p]!.userId;
      const recipient = users[2 * p + 1]!.userId;
      return {
        matchId,
        expectedLastSeq: HISTORY_MESSAGES,
        messages: [{ senderId: sender, clientMessageId: `bench-${p}`, kind: 'text', body: 'hello', mediaUrl: null, hidden: false }],
        notify: [{ userId: recipient, events: [{ userId: recipient, type: 'message.received', data: { matchId, seq: HISTORY_MESSAGES + 1, senderId: sender, kind: 'text', preview: 'hello', unread: 1 } }] }],
      };
    });
    const outcomes = await storeThreadBatches(database.db, batches);
    const now = Date.now();
    outcomes.forEach((o, k) => {
      if (o.kind !== 'stored') throw new Error(`push bench: message not stored (${o.kind})`);
      storedAt.set(batches[k]!.matchId, now);
    });
  };
  for (let i = 0; i < matchIds.length; i += STORE_BATCH) {
    const due = started + (i / options.ratePerS) * 1000;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    if (inFlight.size >= STORES_IN_FLIGHT) await Promise.race(inFlight);
    const stored: Promise<void> = store(i).finally(() => inFlight.delete(stored));
    inFlight.add(stored);
  }
  await Promise.all(inFlight);
  const storedS = (Date.now() - started) / 1000;
  const deadline = Date.now() + 120_000;
  while (service.received.length < options.users && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  clearInterval(sampler);
  const pushed = service.received.length;
  for (const [threadId, atMs] of pushedAt) {
    const stored = storedAt.get(threadId);
    if (stored !== undefined) recordMs(latency, Math.max(0, atMs - stored));
  }
  const spanS = Math.max(0.001, (lastPushMs - started) / 1000);
  return {
    ops_per_s: Math.round(pushed / spanS),
    pushes_per_s: Math.round(pushed / spanS),
    pushes: pushed,
    missing: options.users - pushed,
    repeats: pushed - new Set(service.received.map((r) => (r.payload as { id: string }).id)).size,
    refused: service.refusals.length,
    errors: options.users - pushed + service.refusals.length,
    ...percentiles('event_to_provider', latency),
    store_s: Math.round(storedS * 10) / 10,
    stored_per_s: Math.round(options.users / Math.max(0.001, storedS)),
    first_push_after_ms: firstPushMs ? firstPushMs - started : -1,
    outbox_depth_max: Math.max(0, ...depths),
    outbox_depth_per_s: depths.join(' '),
    offered_rate_per_s: options.ratePerS,
    server_rss_mb: Math.round(nodesRssMb(cluster.nodes)),
  };
}
