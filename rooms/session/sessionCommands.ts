import type { Client, Room } from '@colyseus/core';
import { saveDeviceCursor, type StoredUserEvent } from '../../db/repositories/eventRepository';
import { SessionCommands } from '../../contracts/session';
import { DECK_DEFAULT_SIZE } from '../../contracts/deck';
import type { Call } from '../../domain/callState';
import { AppError, ErrorCode } from '../../domain/errors';
import { mountCommands } from '../commandRouter';
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

const callView = (call: Call) => ({ callId: call.id, state: call.state, reason: call.endReason });

/** Registers every command a device sends its session (contracts/session), with their per-person limits. */
export function mountSessionCommands(room: Room, parts: SessionParts): void {
  const services = roomServices();
  const { userId } = parts;
  // A user's swipes one at a time: the daily quota and "the last swipe" are never read by two at once.
  const swipes = new SerialQueue();
  const swipeMemory: SwipeMemory = { rewoundSinceLastSwipe: false };
  mountCommands(room, 'session', services, SessionCommands, {
    heartbeat: () => ({ serverTime: services.now().getTime() }),
    'presence.set': async (_client, payload) => {
      await parts.presence.change(payload.status);
      return { presence: parts.presence.status };
    },
    swipe: (_client, payload) =>
      swipes.run(async () => {
        const outcome = await swipe(services, userId, payload, swipeMemory);
        parts.decks.swiped(payload.toCardId);
        parts.dispatch(outcome.events);
        void outcome.progress.then((events) => parts.dispatch(events)); // never rejects: failures are logged where counted
        return outcome.result;
      }),
    rewind: () => swipes.run(() => rewind(services, userId, swipeMemory)),
    'location.update': (_client, payload) => parts.location.update(payload.lat, payload.lng),
    'profile.view': (_client, payload) => parts.views.view(payload.cardId, parts.presence.shadowBanned),
    deck: (_client, payload) => parts.decks.deck(payload.cardId, payload.limit ?? DECK_DEFAULT_SIZE, parts.location.location),
    'call.start': (_client, payload) => parts.calls.start(payload.matchId, payload.media),
    'call.accept': (_client, payload) => parts.calls.accept(payload.callId),
    'call.decline': async (_client, payload) => callView(await parts.calls.act(payload.callId, { kind: 'decline', by: userId })),
    'call.cancel': async (_client, payload) => callView(await parts.calls.act(payload.callId, { kind: 'cancel', by: userId })),
    'call.end': async (_client, payload) => callView(await parts.calls.act(payload.callId, { kind: 'hang_up', by: userId })),
    'call.token': (_client, payload) => parts.calls.token(payload.callId),
    'events.ack': async (client, payload) => {
      const device = parts.feedOf(client);
      if (!device) throw new AppError(ErrorCode.NOT_FOUND, 'this device is not joined');
      // A device cannot acknowledge what it was never sent.
      const ackedSeq = Math.min(payload.seq, device.feed.delivered);
      await saveDeviceCursor(services.db, userId, device.deviceId, ackedSeq, services.now());
      return { ackedSeq };
    },
  }, {
    // Each of these costs other people something: a ring, a notice, a lobby actor, a deck build.
    actions: { swipe: 'swipe', 'location.update': 'location', deck: 'deck', 'profile.view': 'profile.view', 'presence.set': 'presence', 'call.start': 'call' },
    userOf: () => userId,
  });
}
