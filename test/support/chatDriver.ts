import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import { ErrorCode } from '../../domain/errors';
import type { SendResult } from '../../contracts/chat';
import type { ErrorMessage, ReplyMessage } from '../../contracts/common';
import { Disconnected, ThreadClient } from '../../loadtest/client/threadClient';
import { sleep } from '../../loadtest/harness/timetable';
import { waitUntil } from './accounts';

export interface ConversationRun {
  readonly member: { readonly accessToken: string };
  readonly matchId: string;
  /** Client message id → the sequence its acknowledgement gave. */
  readonly acked: Map<string, number>;
  /** Connections lost and made again. */
  readonly reconnects: number;
  /** Sends cut off by a lost connection: unanswered, resent later under the same id. */
  readonly interrupted: number;
  /** Every node the thread was reached on. */
  readonly threadNodes: Set<string>;
  /** The connection still open at the end. */
  readonly last: ThreadClient;
}

export const resultOf = <T>(answer: ReplyMessage<T> | ErrorMessage): T => {
  if (!('ok' in answer)) throw new Error(`${answer.code}: ${answer.message}`);
  return answer.result;
};

/**
 * One member sending `count` messages (ids `<prefix>-<n>`) until each is
 * acknowledged, `window` in flight at a time; when the connection drops it joins
 * again through the first node in `nodeUrls()` that answers and resends what
 * was never acknowledged, under the same ids. With `until`, it goes on sending
 * past `count` until `until()` says enough, so the traffic outlasts whatever the
 * caller is doing however slow the machine. The last connection stays open.
 */
export async function converse(options: {
  readonly member: { readonly accessToken: string };
  readonly matchId: string;
  readonly prefix: string;
  readonly count: number;
  readonly window: number;
  readonly nodeUrls: () => readonly string[];
  readonly pauseMs?: number;
  readonly until?: () => boolean;
  readonly onConnected?: (client: ThreadClient) => void;
}): Promise<ConversationRun> {
  const acked = new Map<string, number>();
  const threadNodes = new Set<string>();
  const issued: string[] = [];
  const wantsMore = () => issued.length < options.count || (options.until !== undefined && !options.until());
  let reconnects = 0;
  let interrupted = 0;
  let last: ThreadClient | undefined;
  while (acked.size < issued.length || wantsMore() || !last?.open) {
    let client: ThreadClient | undefined;
    for (const url of options.nodeUrls()) {
      client = await ThreadClient.join(url, options.member, options.matchId).catch(() => undefined);
      if (client) break;
    }
    if (!client) {
      await sleep(200);
      continue;
    }
    if (last) reconnects++;
    last = client;
    options.onConnected?.(client);
    threadNodes.add(client.ready.node);
    const connection = client;
    // Resends first (same client ids), then new ones.
    const resends = issued.filter((id) => !acked.has(id));
    const nextId = (): string | undefined => {
      if (resends.length > 0) return resends.shift();
      if (!wantsMore()) return undefined;
      issued.push(`${options.prefix}-${issued.length}`);
      return issued[issued.length - 1];
    };
    const worker = async () => {
      for (let id = nextId(); id !== undefined; id = nextId()) {
        try {
          acked.set(id, resultOf<SendResult>(await connection.sendText(id, `${options.prefix} says ${id}`)).seq);
        } catch (error) {
          // A lost connection, or an actor handing over: join again and resend, as the protocol says.
          const handedOver = String((error as Error).message).startsWith(`${ErrorCode.ACTOR_UNAVAILABLE}:`);
          if (!(error instanceof Disconnected) && !handedOver) throw error;
          if (handedOver) connection.close();
          interrupted++;
          return;
        }
        await sleep(options.pauseMs ?? 2);
      }
    };
    await Promise.all(Array.from({ length: options.window }, worker));
  }
  return { member: options.member, matchId: options.matchId, acked, reconnects, interrupted, threadNodes, last: last! };
}

/** Every message of a thread in Postgres, by sequence. */
export async function storedMessages(pool: Pool, matchId: string): Promise<Array<{ seq: number; senderId: string; clientMessageId: string }>> {
  const result = await pool.query<{ seq: string; sender_id: string; client_message_id: string }>(
    'select seq, sender_id, client_message_id from messages where match_id = $1 order by seq',
    [matchId],
  );
  return result.rows.map((r) => ({ seq: Number(r.seq), senderId: r.sender_id, clientMessageId: r.client_message_id }));
}

/**
 * Every client ends connected: each conversation's connection (one whose node went
 * away after it finished joins again through `nodeUrl`, as an app would) and every
 * device. The conversations' connections are closed afterwards.
 */
export async function assertEveryClientConnected(
  runs: readonly ConversationRun[],
  devices: ReadonlyArray<{ readonly connected: boolean }>,
  nodeUrl: string,
): Promise<void> {
  // A join may be refused UNAVAILABLE while the cluster drops a killed node's actors: an app retries.
  const rejoin = async (run: ConversationRun) => {
    let joined: ThreadClient | undefined;
    await waitUntil(async () => (joined = await ThreadClient.join(nodeUrl, run.member, run.matchId).catch(() => undefined)) !== undefined, 30_000, () => `thread ${run.matchId} to take a join`);
    return joined!;
  };
  const final = await Promise.all(runs.map((run) => (run.last.open ? run.last : rejoin(run))));
  for (const connection of final) assert.equal(connection.open, true);
  await waitUntil(() => devices.every((d) => d.connected), 30_000, () => `${devices.filter((d) => !d.connected).length} devices to reconnect`);
  for (const connection of final) connection.close();
}
