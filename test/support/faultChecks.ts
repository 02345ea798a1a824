import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import type { FaultCluster } from './faultCluster';
import type { ChatterRun, SwiperRun, TrafficRecord } from './faultTraffic';
import type { Person } from './matches';
import { AppError } from '../../domain/errors';
import type { NodeActorsView } from '../../server/http/nodeActorsRoute';

/** The codes a batch of calls was refused with, each once, or `fulfilled` for those answered. */
export function codesOf(outcomes: ReadonlyArray<PromiseSettledResult<unknown>>): string[] {
  return [...new Set(outcomes.map((o) => (o.status === 'rejected' && o.reason instanceof AppError ? o.reason.code : o.status)))];
}

/**
 * Every node's /readyz, asked ten times a second: when each went 503 and came back.
 * Each node is asked on its own clock, and a question does not wait for the answer
 * to the one before: a node slow to answer (busy in the fault) neither delays the
 * questions to the other nor leaves its own ≥1 s window of 503 unasked.
 */
export class ReadinessWatch {
  /** Each answer, with when its question left (`sentAt`) and when it came (`at`). */
  private readonly samples: Array<{ readonly url: string; readonly sentAt: number; readonly at: number; readonly ready: boolean }> = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly urls: readonly string[]) {
    this.timer = setInterval(() => {
      for (const url of this.urls) this.ask(url);
    }, 100);
  }

  private ask(url: string): void {
    const sentAt = Date.now();
    const asking = fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })
      .then((r) => r.status === 200, () => false)
      .then((ready) => {
        this.samples.push({ url, sentAt, at: Date.now(), ready });
        this.inFlight.delete(asking);
      });
    this.inFlight.add(asking);
  }

  /**
   * When `url` first answered ready (or not ready) at or after `from`, counting the
   * answers that came then, or only those to questions asked then; undefined if none.
   */
  firstAfter(url: string, ready: boolean, from: number, counting: 'answered' | 'asked' = 'answered'): number | undefined {
    const matching = this.samples.filter((s) => s.url === url && s.ready === ready && (counting === 'asked' ? s.sentAt : s.at) >= from);
    return matching.length === 0 ? undefined : Math.min(...matching.map((s) => s.at));
  }

  /** True when the answer to the latest question answered of every url was `ready`. */
  allNow(ready: boolean): boolean {
    const last = new Map<string, { sentAt: number; ready: boolean }>();
    for (const sample of this.samples) {
      if ((last.get(sample.url)?.sentAt ?? -1) <= sample.sentAt) last.set(sample.url, sample);
    }
    return last.size > 0 && [...last.values()].every((s) => s.ready === ready);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
  }
}

/** Every line a node printed is one JSON object (pino): nothing raw reached stdout or stderr. */
export function assertJsonLines(output: string, node: string): void {
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  for (const line of lines) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      assert.fail(`${node} printed a line that is not JSON: ${line.slice(0, 300)}`);
    }
    assert.equal(typeof parsed, 'object', `${node}: ${line.slice(0, 300)}`);
  }
}

/** A thread holds exactly the acknowledged messages, each once under the sequence its acknowledgement gave, 1..n without gaps. */
export async function assertThreadStoredOnce(pool: Pool, matchId: string, runs: ReadonlyArray<{ readonly member: Person; readonly run: ChatterRun }>): Promise<number> {
  const { rows } = await pool.query<{ seq: string; sender_id: string; client_message_id: string }>(
    'select seq, sender_id, client_message_id from messages where match_id = $1 order by seq',
    [matchId],
  );
  assert.deepEqual(rows.map((r) => Number(r.seq)), rows.map((_, i) => i + 1), `thread ${matchId} has gaps`);
  const stored = new Map(rows.map((r) => [`${r.sender_id}/${r.client_message_id}`, Number(r.seq)]));
  const acked = new Map(runs.flatMap(({ member, run }) => [...run.acked].map(([id, seq]) => [`${member.userId}/${id}`, seq] as const)));
  assert.deepEqual(stored, acked, `thread ${matchId}: stored and acknowledged messages differ`);
  return rows.length;
}

/**
 * Each swipe acknowledged is stored once, as acknowledged (a repeat adds nothing),
 * nothing else is stored, and each mutual pair has exactly one match, the one
 * every matching acknowledgement named.
 */
export async function assertSwipesAndMatchesOnce(pool: Pool, runs: ReadonlyArray<{ readonly person: Person; readonly partner: Person; readonly run: SwiperRun }>): Promise<void> {
  const { rows } = await pool.query<{ from_card_id: string; to_card_id: string; kind: string }>(
    'select from_card_id, to_card_id, kind from swipes where from_card_id = any($1::uuid[])',
    [runs.map((r) => r.person.card.id)],
  );
  const stored = rows.map((r) => `${r.from_card_id}>${r.to_card_id}:${r.kind}`).sort();
  const acked = [...new Set(runs.flatMap(({ person, run }) => run.acked.map((a) => `${person.card.id}>${a.toCardId}:${a.action}`)))].sort();
  assert.deepEqual(stored, acked, 'stored and acknowledged swipes differ');

  for (const { person, partner, run } of runs) {
    const [a, b] = [person.card.id, partner.card.id].sort();
    const matches = await pool.query<{ id: string }>('select id from matches where card_a_id = $1 and card_b_id = $2', [a, b]);
    assert.equal(matches.rows.length, 1, `pair ${a}/${b}: ${matches.rows.length} matches`);
    for (const ack of run.acked.filter((x) => x.result.matched)) assert.equal(ack.result.matchId, matches.rows[0]!.id);
  }
}

/**
 * Each node's own list of the actors it serves, read from one node, then the
 * other, and so on, one answer before the next question. If a node lists the
 * same instance of an actor (same start time) both before and after another
 * node listed that actor, both served it at the moment in between; a node that
 * lists one actor twice serves two instances of it.
 */
export class ActorOverlapWatch {
  private readonly samples: Array<{ readonly node: number; readonly view: NodeActorsView }> = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(urls: readonly string[], adminKey: string) {
    this.loop = (async () => {
      for (let turn = 0; this.running; turn++) {
        const node = turn % urls.length;
        const response = await fetch(`${urls[node]}/admin/node`, { headers: { authorization: `Bearer ${adminKey}` }, signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
        if (response?.ok) this.samples.push({ node, view: (await response.json()) as NodeActorsView });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
  }

  get sampleCount(): number {
    return this.samples.length;
  }

  /** Actors served twice at once (by two nodes, or twice on one), as `roomId` (empty when none was seen). */
  overlaps(): string[] {
    const found = new Set<string>();
    for (const { view } of this.samples) {
      const ids = view.actors.map((a) => a.roomId);
      for (const [i, id] of ids.entries()) if (ids.indexOf(id) !== i) found.add(id);
    }
    for (let i = 0; i + 2 < this.samples.length; i++) {
      const [before, other, after] = [this.samples[i]!, this.samples[i + 1]!, this.samples[i + 2]!];
      if (before.node !== after.node || other.node === before.node) continue;
      const since = (view: NodeActorsView) => new Map(view.actors.map((a) => [a.roomId, a.since]));
      const [a, b] = [since(before.view), since(after.view)];
      for (const actor of other.view.actors) {
        const start = a.get(actor.roomId);
        if (start !== undefined && b.get(actor.roomId) === start) found.add(actor.roomId);
      }
    }
    return [...found];
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** The contract: no command waits longer than this for its answer (DEPENDENCY_TIMEOUT_MS is 5 s by default). */
export const ANSWER_BOUND_MS = 10_000;

/**
 * What every fault scenario asserts once its traffic finished: every command was
 * answered within the bound, with an acknowledgement or a retryable refusal
 * (carrying its retry hint); no node exited, and each logged JSON lines only;
 * every acknowledged message and swipe is stored exactly once, threads gap-free,
 * one match per mutual pair.
 */
export async function assertNothingLost(cluster: FaultCluster, record: TrafficRecord, runs: { chats: ChatterRun[]; swipes: SwiperRun[] }): Promise<void> {
  const refused = record.answers.filter((a) => a.code === 'UNAVAILABLE').length;
  process.stdout.write(`      measured: ${record.answers.length} answers (${refused} UNAVAILABLE), slowest ${record.slowestMs()} ms (${record.answers.filter((a) => a.ms === record.slowestMs()).map((a) => `${a.type} ${a.code}`)[0] ?? '-'}), ${record.hanging} hanging, ${record.joinRefusals.length} joins refused, close codes ${[...new Set(record.closeCodes)].sort().join('/') || '-'}\n`);
  assert.equal(record.hanging, 0, 'commands left hanging');
  assert.ok(record.slowestMs() < ANSWER_BOUND_MS, `slowest answer ${record.slowestMs()} ms`);
  for (const code of record.codes()) assert.ok(['ok', 'UNAVAILABLE', 'not-joined'].includes(code), `answered ${code}`);
  for (const answer of record.answers.filter((a) => a.code === 'UNAVAILABLE')) assert.ok((answer.retryAfterMs ?? 0) > 0, 'UNAVAILABLE without retryAfterMs');
  for (const [i, node] of cluster.nodes.entries()) {
    assert.deepEqual([node.child.exitCode, node.child.signalCode], [null, null], `node ${i} exited:\n${node.output().slice(-3000)}`);
    assertJsonLines(node.output(), `node ${i}`);
  }
  let messages = 0;
  for (const [p, pair] of cluster.chatPairs.entries()) {
    messages += await assertThreadStoredOnce(cluster.pool, pair.matchId, [
      { member: pair.a, run: runs.chats[2 * p]! },
      { member: pair.b, run: runs.chats[2 * p + 1]! },
    ]);
  }
  assert.ok(messages > 0);
  await assertSwipesAndMatchesOnce(
    cluster.pool,
    cluster.swipers.map((person, i) => ({ person, partner: cluster.swipers[i ^ 1]!, run: runs.swipes[i]! })),
  );
}

/**
 * /readyz went 503 after `cutAt`, then 200 again after `backAt`, on each of `urls`.
 * The order is asserted, not how soon: these machines are shared, so the delays are
 * printed for reading but are no pass or fail (timings belong in loadtest/).
 */
export function assertReadiness(readiness: ReadinessWatch, urls: readonly string[], cutAt: number, backAt: number): void {
  for (const url of urls) {
    const down = readiness.firstAfter(url, false, cutAt);
    const up = down === undefined ? undefined : readiness.firstAfter(url, true, Math.max(backAt, down), 'asked');
    process.stdout.write(`      measured: ${url} /readyz 503 ${down === undefined ? 'never' : `${down - cutAt} ms`} after the cut, 200 ${up === undefined ? 'never' : `${up - backAt} ms`} after the return\n`);
    assert.ok(down !== undefined, `${url}: never answered 503 after the cut`);
    assert.ok(up !== undefined, `${url}: never answered 200 after the return and the 503`);
  }
}
