import { randomUUID } from 'node:crypto';
import type { ErrorMessage, ReplyMessage } from '../../contracts/common';
import { CHAT_ROOM, ChatEventType, type ThreadReadyMessage } from '../../contracts/chat';
import type { SwipeResult } from '../../contracts/session';
import type { TokenPair } from '../../contracts/auth';
import type { CardView } from '../../contracts/cards';
import type { Kysely } from 'kysely';
import { insertCardsBulk } from '../../db/repositories/cardRepository';
import { insertMatchesBulk } from '../../db/repositories/matchRepository';
import type { SwipeToRecord } from '../../db/repositories/swipeRepository';
import type { Database } from '../../db/types';
import type { QuestDefinition } from '../../domain/progress';
import type { SwipeAction } from '../../domain/swipeRules';
import { likeReceivedEvent, matchCreatedEvents } from '../../domain/userEvents';
import { command, connectDevice, disconnect, joinActor, registerUser, requestJson, type ActorConnection } from './accounts';
import { blankCard } from './cards';

export interface Person extends TokenPair {
  readonly email: string;
  readonly card: CardView;
}

/** A new account with a person card. */
export async function registerPerson(baseUrl: string, title = 'someone'): Promise<Person> {
  const user = await registerUser(baseUrl);
  const created = await requestJson<CardView>(baseUrl, 'POST', '/cards', {
    token: user.accessToken,
    body: { kind: 'person', title, birthYear: 1994 },
  });
  if (created.status !== 201) throw new Error(`card: ${created.status} ${JSON.stringify(created.body)}`);
  return { ...user, card: created.body };
}

/** The reply's result, or a thrown error naming the code. */
export function replyOf<T>(answer: ReplyMessage | ErrorMessage): T {
  if (!('ok' in answer)) throw new Error(`expected a reply, got ${answer.code}: ${answer.message}`);
  return answer.result as T;
}

export function codeOf(answer: ReplyMessage | ErrorMessage): string {
  return 'code' in answer ? answer.code : 'ok';
}

/** Two people who liked each other through their sessions; the match id is their thread's id. */
export async function matchedPair(baseUrl: string, nodes: readonly [string, string] = [baseUrl, baseUrl]): Promise<{ a: Person; b: Person; matchId: string }> {
  const [a, b] = await Promise.all([registerPerson(baseUrl, 'A'), registerPerson(baseUrl, 'B')]);
  return { a, b, matchId: await matchPeople(a, b, nodes) };
}

/** Makes two existing people like each other's cards, `a` through the first node and `b` through the second; the match id. */
export async function matchPeople(a: Person, b: Person, nodes: readonly [string, string]): Promise<string> {
  const [da, db] = await Promise.all([connectDevice(nodes[0], a, 'setup'), connectDevice(nodes[1], b, 'setup')]);
  try {
    replyOf(await command(da.room, 'swipe', { fromCardId: a.card.id, toCardId: b.card.id, action: 'like' }));
    const second = replyOf<SwipeResult>(await command(db.room, 'swipe', { fromCardId: b.card.id, toCardId: a.card.id, action: 'like' }));
    if (!second.matchId) throw new Error('the second like did not match');
    return second.matchId;
  } finally {
    await Promise.all([disconnect(da), disconnect(db)]);
  }
}

/**
 * A person card for each of two accounts and a match between them, written
 * straight to storage: no sessions, no swipes, no events. The match id.
 */
export async function storedMatch(db: Kysely<Database>, ownerIds: readonly [string, string]): Promise<string> {
  const cards = ownerIds.map((ownerId) => blankCard({ id: randomUUID(), kind: 'person', ownerId }));
  await insertCardsBulk(db, cards);
  const matchId = randomUUID();
  await insertMatchesBulk(db, [{ id: matchId, cardA: cards[0]!, cardB: cards[1]! }]);
  return matchId;
}

export type ThreadConnection = ActorConnection<ThreadReadyMessage>;

export function joinThread(baseUrl: string, user: TokenPair, matchId: string): Promise<ThreadConnection> {
  return joinActor<ThreadReadyMessage>(baseUrl, user.accessToken, CHAT_ROOM, { matchId }, ChatEventType.READY);
}

/** What a thread sent a connection, of one type, in arrival order. */
export function messagesOfType<T>(connection: { readonly received: ReadonlyArray<{ type: string | number; message: unknown }> }, type: string): T[] {
  return connection.received.filter((m) => m.type === type).map((m) => m.message as T);
}

/** A swipe from one person's card to another's as a node stores it: a like reaches the liked owner, a pass nobody. */
export function swipeToRecord(from: Person, to: Person, action: SwipeAction, quests: readonly QuestDefinition[], questDay: string): SwipeToRecord {
  const matchId = randomUUID();
  return {
    swiperId: from.userId,
    from: { id: from.card.id, ownerId: from.userId },
    to: { id: to.card.id, ownerId: to.userId },
    action,
    reaches:
      action === 'pass'
        ? undefined
        : {
            matchIdIfMutual: matchId,
            eventIfPending: likeReceivedEvent({ userId: to.userId, isPremium: false }, { fromCardId: from.card.id, fromUserId: from.userId, toCardId: to.card.id, superlike: false }),
            eventsIfMatched: matchCreatedEvents(matchId, { id: from.card.id, ownerId: from.userId }, { id: to.card.id, ownerId: to.userId }),
          },
    quests,
    questDay,
  };
}
