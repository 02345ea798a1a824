import type { Client, Room } from '@colyseus/core';
import type { StoredUserEvent } from '../../db/repositories/eventRepository';
import { SessionCommands } from '../../contracts/session';
import { DECK_DEFAULT_SIZE } from '../../contracts/deck';
import type { Call } from '../../domain/callState';
import { AppError, ErrorCode } from '../../domain/errors';
import type { RateLimitedAction } from '../../domain/rateLimits';
import { mountCommands, type CommandHandlers, type CommandLimits } from '../commandRouter';
import type { RoomServices } from '../roomServices';
import { roomServices } from '../roomServices';
import type { CallDesk } from './callDesk';
import type { DeckDesk } from './deckDesk';
import type { DeviceEventFeed } from './deviceEventFeed';
import type { LocationDesk } from './locationDesk';
import type { ProfileViews } from './profileViews';
import type { SessionPresence } from './sessionPresence';
import { SerialQueue } from './serialQueue';
import { rewind, swipe, type SwipeMemory } from './swipeCommands';

/** What the session's commands act on: the parts of one user's session. */
export interface SessionParts {
  readonly userId: string;
  readonly presence: SessionPresence;
  readonly location: LocationDesk;
  readonly decks: DeckDesk;
  readonly views: ProfileViews;
  readonly calls: CallDesk;
  /** The event feed of a connected device. */
  feedOf(client: Client): { readonly deviceId: string; readonly feed: DeviceEventFeed } | undefined;
  /** Hands stored events to their users' sessions. */
  dispatch(events: readonly StoredUserEvent[]): void;
}

/** What a session's commands work with: its parts, and what its swipes remember. */
interface SessionActor extends SessionParts {
  readonly services: RoomServices;
  /** A user's swipes one at a time: the daily quota and "the last swipe" are never read by two at once. */
  readonly swipes: SerialQueue;
  readonly swipeMemory: SwipeMemory;
}

const callView = (call: Call) => ({ callId: call.id, state: call.state, reason: call.endReason });

/** The session's commands, written once for every session: each finds its session's parts in `actor`. */
const handlers: CommandHandlers<typeof SessionCommands, SessionActor> = {
  heartbeat: (_client, _payload, { services }) => ({ serverTime: services.now().getTime() }),
  'presence.set': async (_client, payload, { presence }) => {
    await presence.change(payload.status);
    return { presence: presence.status };
  },
  swipe: (_client, payload, actor) =>
    actor.swipes.run(async () => {
      const outcome = await swipe(actor.services, actor.userId, payload, actor.swipeMemory);
      actor.decks.swiped(payload.toCardId);
      actor.dispatch(outcome.events);
      void outcome.progress.then((events) => actor.dispatch(events)); // never rejects: failures are logged where counted
      return outcome.result;
    }),
  rewind: (_client, _payload, actor) => actor.swipes.run(() => rewind(actor.services, actor.userId)),
  'location.update': (_client, payload, { location }) => location.update(payload.lat, payload.lng),
  'profile.view': (_client, payload, { views, presence }) => views.view(payload.cardId, payload.as, presence.shadowBanned),
  deck: (_client, payload, { decks, location }) => decks.deck(payload.cardId, payload.limit ?? DECK_DEFAULT_SIZE, location.location),
  'call.start': (_client, payload, { calls }) => calls.start(payload.matchId, payload.media),
  'call.accept': (_client, payload, { calls }) => calls.accept(payload.callId),
  'call.decline': async (_client, payload, { calls, userId }) => callView(await calls.act(payload.callId, { kind: 'decline', by: userId })),
  'call.cancel': async (_client, payload, { calls, userId }) => callView(await calls.act(payload.callId, { kind: 'cancel', by: userId })),
  'call.end': async (_client, payload, { calls, userId }) => callView(await calls.act(payload.callId, { kind: 'hang_up', by: userId })),
  'call.token': (_client, payload, { calls }) => calls.token(payload.callId),
  'events.ack': async (client, payload, { services, userId, feedOf }) => {
    const device = feedOf(client);
    if (!device) throw new AppError(ErrorCode.NOT_FOUND, 'this device is not joined');
    // A device cannot acknowledge what it was never sent.
    const ackedSeq = Math.min(payload.seq, device.feed.delivered);
    await services.sessions.recordAck({ userId, deviceId: device.deviceId, ackedSeq, at: services.now() });
    return { ackedSeq };
  },
};

const limits: CommandLimits<typeof SessionCommands, SessionActor> = {
  // Each of these costs other people something: a ring, a notice, a lobby actor, a deck build.
  actions: { swipe: 'swipe', 'location.update': 'location', deck: 'deck', 'profile.view': 'profile.view', 'presence.set': 'presence', 'call.start': 'call' },
  userOf: (_client, { userId }) => userId,
};

/**
 * The rate-limited actions a user takes only through their session: one actor
 * per identity, so every device's such commands reach the one node that holds it.
 */
export const SESSION_ACTIONS: ReadonlySet<RateLimitedAction> = new Set(Object.values(limits.actions));

/** Registers every command a device sends its session (contracts/session), with their per-person limits. */
export function mountSessionCommands(room: Room, parts: SessionParts): void {
  const services = roomServices();
  const actor: SessionActor = { ...parts, services, swipes: new SerialQueue(), swipeMemory: {} };
  mountCommands(room, 'session', services, SessionCommands, handlers, limits, actor);
}
