import { ActorClient, Disconnected } from '../../loadtest/client/actorClient';
import { MatchmakeRefused } from '../../loadtest/client/rawRoomClient';
import { ThreadClient } from '../../loadtest/client/threadClient';
import { sleep } from '../../loadtest/harness/timetable';
import type { ErrorMessage, ReplyMessage } from '../../contracts/common';
import type { SendResult } from '../../contracts/chat';
import { SESSION_ROOM, SessionEventType, type SessionReadyMessage, type SwipeResult } from '../../contracts/session';
import { waitUntil } from './accounts';
import type { FaultCluster } from './faultCluster';
import type { Person } from './matches';

/** A command not answered in this long counts as left hanging (the contract is 10 s). */
const HANGING_MS = 15_000;

/** What traffic saw while a dependency failed: every answer, with how long it took, and every lost connection. */
export class TrafficRecord {
  readonly answers: Array<{ readonly type: string; readonly code: string; readonly ms: number; readonly retryAfterMs?: number | undefined }> = [];
  /** Join refusals, by code (`?` for a refusal without one). */
  readonly joinRefusals: string[] = [];
  /** Close codes of connections that closed under the traffic. */
  readonly closeCodes: number[] = [];
  /** Commands never answered within HANGING_MS. */
  hanging = 0;

  /** One record of what several participants saw. */
  static merge(records: readonly TrafficRecord[]): TrafficRecord {
    const all = new TrafficRecord();
    for (const r of records) {
      all.answers.push(...r.answers);
      all.joinRefusals.push(...r.joinRefusals);
      all.closeCodes.push(...r.closeCodes);
      all.hanging += r.hanging;
    }
    return all;
  }

  slowestMs(): number {
    return Math.max(0, ...this.answers.map((a) => a.ms));
  }

  codes(): string[] {
    return [...new Set([...this.answers.map((a) => a.code), ...this.joinRefusals])].sort();
  }

  /** Acknowledgements since the `from`th answer. */
  acksSince(from: number): number {
    return this.answers.slice(from).filter((a) => a.code === 'ok').length;
  }
}

type Answer<T> = ReplyMessage<T> | ErrorMessage;

/** One command: its answer, or `lost` when the connection closed first or nothing came back in time. */
async function ask<T>(client: ActorClient<unknown>, type: string, payload: Record<string, unknown>, record: TrafficRecord): Promise<Answer<T> | 'lost'> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const hanging = new Promise<'hanging'>((resolve) => (timer = setTimeout(() => resolve('hanging'), HANGING_MS)));
  try {
    const answer = await Promise.race([client.request<T>(type, payload), hanging]);
    if (answer === 'hanging') {
      record.hanging++;
      client.close();
      return 'lost';
    }
    record.answers.push({ type, code: 'ok' in answer ? 'ok' : answer.code, ms: Date.now() - started, retryAfterMs: 'ok' in answer ? undefined : answer.retryAfterMs });
    return answer;
  } catch (error) {
    if (error instanceof Disconnected) return 'lost';
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Joins through the first node of `nodeUrls()` that takes the join, trying again until one does or `stopped()`. */
async function joinAnyNode<C extends ActorClient<unknown>>(nodeUrls: () => readonly string[], join: (url: string) => Promise<C>, record: TrafficRecord, stopped: () => boolean): Promise<C | undefined> {
  for (let attempt = 0; !stopped(); attempt++) {
    for (const url of nodeUrls()) {
      try {
        const client = await join(url);
        void client.closed().then((code) => record.closeCodes.push(code));
        return client;
      } catch (error) {
        record.joinRefusals.push(error instanceof MatchmakeRefused ? (error.code ?? '?') : 'not-joined');
      }
    }
    await sleep(Math.min(100 * 2 ** attempt, 1_000));
  }
  return undefined;
}

/** Waits what an UNAVAILABLE answer asks (a retry hint is part of the contract: without one the test fails later). */
const backOff = (answer: ErrorMessage) => sleep(answer.retryAfterMs ?? 1_000);

export interface ChatterRun {
  /** Client message id → the sequence its acknowledgement gave. */
  readonly acked: Map<string, number>;
  /** Connections made, the first included. */
  readonly connections: number;
  /** The nodes that held the thread, by `thread.ready`. */
  readonly nodes: Set<string>;
}

/**
 * One member sending messages (ids `<prefix>-<n>`) one after another until
 * `until()`, each resent under its id until acknowledged: after UNAVAILABLE (once
 * the hinted wait is over) and after a lost connection (through any node).
 */
export async function chatter(options: {
  readonly member: Person;
  readonly matchId: string;
  readonly prefix: string;
  readonly nodeUrls: () => readonly string[];
  readonly until: () => boolean;
  readonly record: TrafficRecord;
}): Promise<ChatterRun> {
  const acked = new Map<string, number>();
  const nodes = new Set<string>();
  let connections = 0;
  let pending: string | undefined;
  let next = 0;
  const done = () => pending === undefined && options.until();
  while (!done()) {
    const client = await joinAnyNode(options.nodeUrls, (url) => ThreadClient.join(url, options.member, options.matchId), options.record, () => false);
    if (!client) continue;
    connections++;
    nodes.add(client.ready.node);
    while (!done()) {
      pending ??= `${options.prefix}-${next++}`;
      const answer = await ask<SendResult>(client, 'send', { clientMessageId: pending, kind: 'text', body: `${options.prefix} says ${pending}` }, options.record);
      if (answer === 'lost') break;
      if ('ok' in answer) {
        acked.set(pending, answer.result.seq);
        pending = undefined;
        await sleep(20);
      } else if (answer.code === 'UNAVAILABLE') await backOff(answer);
      else throw new Error(`send ${pending} refused: ${answer.code}: ${answer.message}`);
    }
    client.close();
  }
  return { acked, connections, nodes };
}

export interface SwipeAck {
  readonly toCardId: string;
  readonly action: 'like' | 'pass';
  readonly result: SwipeResult;
}

export interface SwiperRun {
  readonly acked: SwipeAck[];
  readonly connections: number;
  readonly nodes: Set<string>;
}

/**
 * One person swiping through their session: passes on `pool` (round and round:
 * repeats are answered as repeats), and a like for `partner` once `likeNow()`
 * says so, until `until()`. Each swipe is sent again until answered: after
 * UNAVAILABLE and after a lost connection.
 */
export async function swiper(options: {
  readonly person: Person;
  readonly partner: Person;
  readonly pool: readonly Person[];
  readonly nodeUrls: () => readonly string[];
  readonly likeNow: () => boolean;
  readonly until: () => boolean;
  readonly record: TrafficRecord;
}): Promise<SwiperRun> {
  const acked: SwipeAck[] = [];
  const nodes = new Set<string>();
  let connections = 0;
  let liked = false;
  let passes = 0;
  let pending: { toCardId: string; action: 'like' | 'pass' } | undefined;
  const done = () => pending === undefined && liked && options.until();
  while (!done()) {
    const join = (url: string) => ActorClient.joinActor<SessionReadyMessage>(url, options.person.accessToken, SESSION_ROOM, { userId: options.person.userId, deviceId: 'swiper' }, SessionEventType.READY);
    const client = await joinAnyNode(options.nodeUrls, join, options.record, () => false);
    if (!client) continue;
    connections++;
    nodes.add(client.ready.node);
    while (!done()) {
      pending ??= !liked && options.likeNow() ? { toCardId: options.partner.card.id, action: 'like' } : { toCardId: options.pool[passes++ % options.pool.length]!.card.id, action: 'pass' };
      const answer = await ask<SwipeResult>(client, 'swipe', { fromCardId: options.person.card.id, ...pending }, options.record);
      if (answer === 'lost') break;
      if ('ok' in answer) {
        acked.push({ ...pending, result: answer.result });
        if (pending.action === 'like') liked = true;
        pending = undefined;
        await sleep(50);
      } else if (answer.code === 'UNAVAILABLE') await backOff(answer);
      else throw new Error(`swipe refused: ${answer.code}: ${answer.message}`);
    }
    client.close();
  }
  return { acked, connections, nodes };
}

/** Conditions traffic waits for; far above what they take, to fail rather than hang. */
const FLOW_WAIT_MS = 60_000;

/** Chat and swipe traffic over a fault cluster: what it saw, and the handles to steer it. */
export interface Traffic {
  /** What every participant saw, together. */
  readonly record: TrafficRecord;
  /** Once called, the participants finish what they have in hand and stop. */
  stop(): void;
  /** Likes between partners start once this is called (so matches are made during the fault). */
  startLiking(): void;
  /** From now on, `flowing` counts acknowledgements. */
  mark(): void;
  /** Resolves once every participant has had `count` acknowledgements since `mark()`. */
  flowing(count: number): Promise<void>;
  finished(): Promise<{ chats: ChatterRun[]; swipes: SwiperRun[] }>;
}

/**
 * Chat on every pair (both members) and swipes by every swiper (pairs liking
 * each other), each participant joining through the nodes in the order
 * `nodeOrder(i)` gives (by default alternating which node comes first).
 */
export function startTraffic(cluster: FaultCluster, nodeOrder: (participant: number) => readonly number[] = (i) => (i % 2 === 0 ? [0, 1] : [1, 0])): Traffic {
  const records: TrafficRecord[] = [];
  const record = (): TrafficRecord => {
    const r = new TrafficRecord();
    records.push(r);
    return r;
  };
  let stopped = false;
  let liking = false;
  const urlsFor = (participant: number) => () => nodeOrder(participant).map((n) => cluster.nodes[n]!.url);
  const chats = cluster.chatPairs.flatMap((pair, p) =>
    [pair.a, pair.b].map((member, side) =>
      chatter({ member, matchId: pair.matchId, prefix: `p${p}s${side}`, nodeUrls: urlsFor(2 * p + side), until: () => stopped, record: record() }),
    ),
  );
  const offset = chats.length;
  const swipes = cluster.swipers.map((person, i) =>
    swiper({ person, partner: cluster.swipers[i ^ 1]!, pool: cluster.targets, nodeUrls: urlsFor(offset + i), likeNow: () => liking, until: () => stopped, record: record() }),
  );
  let marks: number[] = records.map(() => 0);
  return {
    get record() {
      return TrafficRecord.merge(records);
    },
    stop: () => (stopped = true),
    startLiking: () => (liking = true),
    mark: () => (marks = records.map((r) => r.answers.length)),
    flowing: (count) =>
      waitUntil(() => records.every((r, i) => r.acksSince(marks[i]!) >= count), FLOW_WAIT_MS, () => `traffic to flow (${records.map((r, i) => r.acksSince(marks[i]!)).join(', ')} acks)`),
    finished: async () => ({ chats: await Promise.all(chats), swipes: await Promise.all(swipes) }),
  };
}
