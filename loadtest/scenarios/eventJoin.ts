import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../db/database';
import { insertCardsBulk } from '../../db/repositories/cardRepository';
import { insertLiveEvent, registerManyForLiveEvent } from '../../db/repositories/liveEventRepository';
import { updateAccount } from '../../db/repositories/userRepository';
import type { EventJoinJob, LoadResult } from '../jobs';
import type { BenchCluster } from '../harness/benchCluster';
import { mergeEncoded, percentiles } from '../harness/histogram';
import { nodesRssMb } from '../harness/machine';
import { NO_HIRING_FIELDS } from '../../domain/cardRules';
import { seedUsers } from '../harness/seed';
import { cpuFigures, cpuLedger, type CpuRole } from '../harness/cpuLedger';
import { runWorkers, workerShares } from '../harness/workers';

export interface EventJoinOptions {
  readonly attendees: number;
  readonly holdS: number;
  readonly workers: number;
  /** Attendees who raise and lower their hands through the hold, and who say something (loadtest/eventHoldLoad.ts). */
  readonly raisers: number;
  readonly talkers: number;
  /** Attendees shadow-banned before the run (the last of them: neither raisers nor talkers nor observers). */
  readonly hidden: number;
}

/** One live event whose doors are open, and `attendees` registrants (Postgres, seeded directly). */
async function seedEvent(cluster: BenchCluster, attendees: number, hidden: number) {
  const databaseUrl = cluster.seedTarget.databaseUrl;
  if (!databaseUrl) throw new Error('the event-join scenario seeds Postgres directly: set DATABASE_URL and REDIS_URL');
  const [recruiter, ...users] = await seedUsers(attendees + 1, cluster.seedTarget);
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl, poolSize: 2 });
  try {
    // Only a recruiter posts jobs and hosts events.
    await updateAccount(database.db, recruiter!.userId, { role: 'recruiter' });
    const jobCardId = randomUUID();
    await insertCardsBulk(database.db, [
      { id: jobCardId, ownerId: recruiter!.userId, kind: 'job', title: 'Bench job', bio: '', tags: [], birthYear: null, ...NO_HIRING_FIELDS, lat: null, lng: null, h3Cell: null },
    ]);
    const eventId = randomUUID();
    const now = Date.now();
    const refused = await insertLiveEvent(database.db, { id: eventId, hostId: recruiter!.userId, jobCardId, title: 'Bench hiring day', startsAt: now + 5 * 60_000, endsAt: now + 3_600_000, capacity: attendees }, new Date(now));
    if (refused) throw new Error(`seeding: the event was refused ${refused.code}: ${refused.message}`);
    for (let i = 0; i < users.length; i += 2000) await registerManyForLiveEvent(database.db, eventId, users.slice(i, i + 2000).map((u) => u.userId));
    for (const user of users.slice(users.length - hidden)) await updateAccount(database.db, user.userId, { shadowBanned: true });
    return { eventId, users };
  } finally {
    await database.close();
  }
}

/** The hold's traffic figures, summed over the load processes. */
function holdReport(done: readonly LoadResult[]): Record<string, number> {
  const sum = (name: string) => done.reduce((total, r) => total + (r.counters[name] ?? 0), 0);
  const counted = ['hand_changes', 'hand_refused', 'hand_unanswered', 'hand_views_timed', 'hands_messages', 'hands_ids', 'said', 'say_slowed', 'say_refused', 'say_unanswered', 'chat_messages'];
  return {
    ...Object.assign({}, ...['hand_reply', 'hand_seen', 'say_reply', 'say_seen'].map((name) => percentiles(name, mergeEncoded(done.map((r) => r.histograms[name]!))))),
    ...Object.fromEntries(counted.map((name) => [name, sum(name)])),
  };
}

/** Worker w's part of `total`, as even as it divides. */
function shareOf(total: number, workers: number, w: number): number {
  return Math.floor(total / workers) + (w < total % workers ? 1 : 0);
}

/** A burst of attendees joining one event at once, holding, then leaving at once. */
export async function runEventJoin(cluster: BenchCluster, options: EventJoinOptions): Promise<Record<string, number | string>> {
  const { eventId, users } = await seedEvent(cluster, options.attendees, options.hidden);
  const shares = workerShares(users, options.workers);
  const jobs: EventJoinJob[] = shares.map((share, w) => ({
    kind: 'event-join',
    nodeUrls: cluster.nodes.map((n) => n.url),
    eventId,
    users: share,
    holdS: options.holdS,
    raisers: shareOf(options.raisers, shares.length, w),
    talkers: shareOf(options.talkers, shares.length, w),
  }));
  const run = runWorkers(jobs);
  await run.ramped;
  process.stdout.write(`event-join: ${users.length} attendees join one event at once, hold ${options.holdS} s, leave at once\n`);
  const rssBefore = nodesRssMb(cluster.nodes);
  const cpu = cpuLedger.snapshot();
  run.go();
  let rssHolding: number;
  let holdCpu = new Map<CpuRole, number>();
  const busyHold = options.raisers + options.talkers > 0;
  if (busyHold) {
    await run.phase('joined');
    rssHolding = nodesRssMb(cluster.nodes);
    const holdStart = cpuLedger.snapshot();
    run.go();
    await run.phase('traffic');
    holdCpu = cpuLedger.since(holdStart);
    run.go();
  } else {
    await new Promise((r) => setTimeout(r, (options.holdS * 1000) / 2 + 500));
    rssHolding = nodesRssMb(cluster.nodes);
  }
  const done = await run.results;
  // The burst's CPU, from the first join to the last leave, per attendee (a busy hold's traffic apart).
  const burstCpu = new Map([...cpuLedger.since(cpu)].map(([role, usedS]) => [role, usedS - (holdCpu.get(role) ?? 0)]));
  for (const sample of done.flatMap((r) => r.errorSamples).slice(0, 10)) process.stdout.write(`  error: ${sample}\n`);
  const joined = done.reduce((total, r) => total + (r.counters['joined'] ?? 0), 0);
  return {
    attendees: users.length,
    joined,
    ...percentiles('join', mergeEncoded(done.map((r) => r.histograms['join']!))),
    ...percentiles('seat', mergeEncoded(done.map((r) => r.histograms['seat']!))),
    ...percentiles('leave', mergeEncoded(done.map((r) => r.histograms['leave']!))),
    errors: done.reduce((total, r) => total + r.errors, 0),
    connections_held: done.reduce((total, r) => total + (r.counters['held'] ?? 0), 0),
    ...cpuFigures(burstCpu, (role) => `${role}_cpu_per_attendee_ms`, 1e3 / users.length, 3),
    ...(busyHold ? { ...holdReport(done), ...cpuFigures(holdCpu, (role) => `hold_${role}_cpu_s`, 1, 2) } : {}),
    server_rss_mb: Math.round(rssHolding),
    rss_per_connection_kb: joined > 0 ? Math.round((((rssHolding - rssBefore) * 1024) / joined) * 10) / 10 : 0,
  };
}
