import type { ErrorMessage, ReplyMessage } from '../../contracts/common';
import { LOBBY_ROOM, LobbyEventType, type DeckResult, type NearbyMessage } from '../../contracts/deck';
import type { CardView } from '../../contracts/cards';
import { command, connectDevice, disconnect, joinActor, registerUser, requestJson, type ActorConnection, type Device } from './accounts';
import type { Person } from './matches';
import { replyOf } from './matches';

/** Interests and a bio that every test person shares, so their cards score well over the threshold with each other. */
export const SHARED_PROFILE = { tags: [{ tag: 'hiking', weight: 5 }], bio: 'hiking trails around the city' };

/** A hiring field to give a person card: its owner looks for work, so jobs' decks hold them (a dating profile is in none). */
export const LOOKS_FOR_WORK = { experienceYears: 2 } as const;

/** What a test person may have beyond a place and a title: more card fields (a hiring field, say), a chosen email. */
export interface PersonOptions {
  readonly fields?: Record<string, unknown>;
  readonly email?: string;
}

/**
 * A new account (with `email`, or a unique one) with a person card at a place (its location set
 * through a session, as a phone would); `fields` add to the card.
 */
export async function personAt(baseUrl: string, at: { lat: number; lng: number }, title = 'someone', options: PersonOptions = {}): Promise<Person> {
  const { fields = {}, email } = options;
  const user = await registerUser(baseUrl, email);
  const created = await requestJson<CardView>(baseUrl, 'POST', '/cards', {
    token: user.accessToken,
    body: { kind: 'person', title, birthYear: 1994, ...SHARED_PROFILE, ...fields },
  });
  if (created.status !== 201) throw new Error(`card: ${created.status} ${JSON.stringify(created.body)}`);
  const device = await connectDevice(baseUrl, user, 'setup');
  try {
    replyOf(await command(device.room, 'location.update', at));
  } finally {
    await disconnect(device);
  }
  return { ...user, card: created.body };
}

/**
 * `n` new accounts online at a place, without cards (so in no deck): people its
 * lobby counts while their devices stay connected, placed there when this returns.
 */
export async function crowdAt(baseUrl: string, at: { lat: number; lng: number }, n: number): Promise<Device[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const device = await connectDevice(baseUrl, await registerUser(baseUrl), `crowd-${i}`);
      replyOf(await command(device.room, 'location.update', at)); // answered once placed in the cell's lobby
      return device;
    }),
  );
}

export async function deckOf(device: Device, cardId: string, limit?: number): Promise<DeckResult> {
  return replyOf<DeckResult>(await command(device.room, 'deck', limit === undefined ? { cardId } : { cardId, limit }));
}

export function deckAnswer(device: Device, cardId: string): Promise<ReplyMessage | ErrorMessage> {
  return command(device.room, 'deck', { cardId });
}

export const deckIds = (deck: DeckResult) => new Set(deck.cards.map((c) => c.card.id));

/** A device watching a lobby: the "nearby now" figures it was sent, newest last. */
export async function watchLobby(baseUrl: string, user: { accessToken: string }, cell: string): Promise<ActorConnection<NearbyMessage> & { counts(): number[] }> {
  const joined = await joinActor<NearbyMessage>(baseUrl, user.accessToken, LOBBY_ROOM, { cell }, LobbyEventType.READY);
  return {
    ...joined,
    counts: () => [joined.ready.count, ...joined.received.filter((m) => m.type === LobbyEventType.NEARBY).map((m) => (m.message as NearbyMessage).count)],
  };
}
