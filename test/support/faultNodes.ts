import { ActorClient } from '../../loadtest/client/actorClient';
import { SESSION_ROOM, SessionEventType, type SessionReadyMessage } from '../../contracts/session';
import type { NodeActorsView } from '../../server/http/nodeActorsRoute';
import { waitUntil } from './accounts';
import { FAULT_ADMIN_KEY } from './faultCluster';
import { SCENARIO_WAIT_MS } from './faultScenario';

/** Each node's own view of what it serves (`GET /admin/node`). */
export async function viewOf(url: string): Promise<NodeActorsView> {
  return (await (await fetch(`${url}/admin/node`, { headers: { authorization: `Bearer ${FAULT_ADMIN_KEY}` } })).json()) as NodeActorsView;
}

/** Joins again and again until the join is taken (refusals are expected while the cluster settles). */
export async function joinEventually<T>(join: () => Promise<T>): Promise<T> {
  let joined: T | undefined;
  await waitUntil(async () => (joined = await join().catch(() => undefined)) !== undefined, SCENARIO_WAIT_MS, () => 'a join to be taken');
  return joined!;
}

/** A device of a user, on the session actor, through `url`. */
export const sessionThrough = (url: string, person: { userId: string; accessToken: string }, deviceId: string) =>
  ActorClient.joinActor<SessionReadyMessage>(url, person.accessToken, SESSION_ROOM, { userId: person.userId, deviceId }, SessionEventType.READY);
