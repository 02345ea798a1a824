import { SESSION_ROOM, SessionEventType } from '../../contracts/session';
import { RawRoomClient, reserveSeat } from './rawRoomClient';

/** How long a load client waits for `session.ready` after connecting. */
export const SESSION_READY_TIMEOUT_MS = 15_000;

/**
 * Joins a user's session as the load device `bench` and resolves once it is
 * ready; every other message, before and after, goes to `onMessage`.
 */
export async function connectBenchSession(
  nodeUrl: string,
  user: { readonly userId: string; readonly accessToken: string },
  onMessage: (type: string | number, message: unknown) => void,
): Promise<RawRoomClient> {
  const seat = await reserveSeat(nodeUrl, SESSION_ROOM, { userId: user.userId, deviceId: 'bench' }, user.accessToken);
  const client = await RawRoomClient.connect(nodeUrl, seat);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no session.ready')), SESSION_READY_TIMEOUT_MS);
    client.onMessage = (type, message) => {
      if (type === SessionEventType.READY) {
        clearTimeout(timer);
        resolve();
      } else {
        onMessage(type, message);
      }
    };
  });
  client.onMessage = onMessage;
  return client;
}
