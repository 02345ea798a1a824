import type { TemplatedApp } from 'uWebSockets.js';
import { WebhookReceiver } from 'livekit-server-sdk';
import { findCallByRoom, recordCallPresence, rememberWebhook, webhookSeen } from '../../db/repositories/callRepository';
import { AppError, ErrorCode } from '../../domain/errors';
import { applyCallEvent, type CallServices } from '../../services/calls';
import { jsonReply, route, type RouteOptions } from './uwsHttp';

/** A webhook older than this is refused even with a good signature: a replay of a captured request. */
export const WEBHOOK_MAX_AGE_S = 5 * 60;
/** How far ahead of this node's clock an event may be dated (clocks differ a little), and no further. */
export const WEBHOOK_MAX_AHEAD_S = 30;
/** How long a handled webhook's id is kept: well past the age check, whatever the clocks of the node and Postgres. */
const WEBHOOK_ID_KEPT_MS = 60 * 60 * 1000;

const refuse = (why: string): never => {
  throw new AppError(ErrorCode.WEBHOOK_REFUSED, why);
};

/**
 * `POST /livekit/webhook`: LiveKit's room and participant events. The
 * Authorization header must be LiveKit's JWT over the body's sha256, signed
 * with the configured key; anything else, a stale or future-dated event or one seen before is
 * refused (401 WEBHOOK_REFUSED) and changes nothing. Handling an event again changes
 * nothing either (a call ends once; a join or leave records its time), so two
 * deliveries at once need no lock; an event is remembered once it was handled.
 */
export function mountLiveKitWebhookRoute(
  app: TemplatedApp,
  deps: CallServices & { readonly apiKey: string; readonly apiSecret: string },
  options: RouteOptions,
): void {
  const receiver = new WebhookReceiver(deps.apiKey, deps.apiSecret);

  route(app, 'post', '/livekit/webhook', async (call) => {
    const event = await receiver.receive(call.body.toString('utf8'), call.headers.get('authorization')).catch(() =>
      refuse('the signature or the body hash does not match'),
    );
    const ageS = deps.now().getTime() / 1000 - Number(event.createdAt);
    if (!event.id || !(ageS <= WEBHOOK_MAX_AGE_S)) refuse('the event is too old');
    // Dated in the future, it would pass the age check for longer than five minutes.
    if (!(ageS >= -WEBHOOK_MAX_AHEAD_S)) refuse('the event is dated in the future');
    // Remembered once handled, not before: LiveKit retries an event a failure answered 5xx, and the retry must be handled.
    if (await webhookSeen(deps.db, event.id)) refuse('the event was delivered before');

    const roomName = event.room?.name;
    const callOfRoom = roomName ? await findCallByRoom(deps.db, roomName) : undefined;
    if (callOfRoom) {
      const at = new Date(Number(event.createdAt) * 1000);
      const identity = event.participant?.identity;
      if (event.event === 'participant_joined' && identity) await recordCallPresence(deps.db, callOfRoom.id, identity, 'joined', at);
      if (event.event === 'participant_left' && identity) await recordCallPresence(deps.db, callOfRoom.id, identity, 'left', at);
      if (event.event === 'room_finished') await applyCallEvent(deps, callOfRoom, { kind: 'room_finished' });
    }
    await rememberWebhook(deps.db, event.id, new Date(deps.now().getTime() - WEBHOOK_ID_KEPT_MS));
    return jsonReply(200, { ok: true });
  }, options);
}
