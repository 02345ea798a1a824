import { randomUUID } from 'node:crypto';
import type { StoredUserEvent } from '../../db/repositories/eventRepository';
import { deletePass, findRewindState, type SwipeToRecord } from '../../db/repositories/swipeRepository';
import { AppError, ErrorCode } from '../../domain/errors';
import { decideRewind, decideSwipe, isLike, likesLeft, quotaDayStartMs, type SwipeAction } from '../../domain/swipeRules';
import { likeReceivedEvent, matchCreatedEvents } from '../../domain/userEvents';
import { DAY_MS, ProgressAction, questsAdvancedBy, utcDay, type QuestDefinition } from '../../domain/progress';
import type { RewindResult, SwipeResult } from '../../contracts/session';
import { awardProgress, matchAwards } from '../../services/progress';
import type { RoomServices } from '../roomServices';

/** What a session remembers between a user's swipes. */
export interface SwipeMemory {
  /**
   * The likes the user spent on the quota day starting at `dayStartMs`, counted
   * once and kept here: the session is the only place its user swipes (one
   * actor per identity, swipes serial), and a rewind takes back passes only.
   */
  likesToday?: { readonly dayStartMs: number; used: number };
  /** The swipe quests of `day` the user has completed: their swipes need not count for them. */
  questsComplete?: { readonly day: string; readonly ids: ReadonlySet<string> };
}

export interface SwipeOutcome {
  readonly result: SwipeResult;
  /** Stored events to hand to their users' sessions. */
  readonly events: readonly StoredUserEvent[];
  /** The match's progress, counted once the swipe is stored and off its answer's path: the events it stores. */
  readonly progress: Promise<readonly StoredUserEvent[]>;
}

/** One swipe: read the context, let the rules decide, store atomically (each with the node's other swipes). */
export async function swipe(
  services: RoomServices,
  userId: string,
  command: { readonly fromCardId: string; readonly toCardId: string; readonly action: SwipeAction },
  memory: SwipeMemory,
): Promise<SwipeOutcome> {
  const store = services.swipes;
  for (let attempt = 0; attempt < 2; attempt++) {
    const dayStartMs = quotaDayStartMs(services.now().getTime());
    const known = memory.likesToday?.dayStartMs === dayStartMs ? memory.likesToday : undefined; // a new day counts afresh
    const loaded = await store.read({
      swiperId: userId,
      fromCardId: command.fromCardId,
      toCardId: command.toCardId,
      quotaDayStart: new Date(dayStartMs),
      likesTodayKnown: known !== undefined,
    });
    if (!loaded) throw new AppError(ErrorCode.NOT_FOUND, 'this account no longer exists');
    const context = known ? { ...loaded.context, likesToday: known.used } : loaded.context;
    memory.likesToday = { dayStartMs, used: context.likesToday };
    const decision = decideSwipe(context, command.action, services.matching);
    if (decision.kind === 'refused') throw new AppError(decision.code, decision.message);
    const left = (likesUsed: number) => likesLeft(context.swiperIsPremium, likesUsed, services.matching);
    const counted = (matchId: string | null) =>
      countMatch(services, matchId === null ? undefined : { matchId, ownerIds: [context.from!.ownerId, context.to!.ownerId] });
    if (decision.kind === 'repeat') {
      return {
        result: { action: decision.action, matched: decision.matchId !== null, matchId: decision.matchId, repeated: true, likesLeft: left(context.likesToday) },
        events: [],
        // The match is offered again, counted once: that completes an award a failure cut off, and
        // earns nothing otherwise. The swipe's quests were counted with it, when it was stored.
        progress: counted(decision.matchId),
      };
    }

    const from = { id: context.from!.id, ownerId: context.from!.ownerId };
    const to = { id: context.to!.id, ownerId: context.to!.ownerId };
    const { day: questDay, quests } = swipeQuestsOf(services.now().getTime());
    const complete = memory.questsComplete?.day === questDay ? memory.questsComplete.ids : NONE_COMPLETE;
    const write = await store
      .record({
        swiperId: userId,
        from,
        to,
        action: decision.action,
        // A pass pairs with nothing, and a shadow-banned swiper's like reaches nobody: neither carries events.
        reaches: isLike(decision.action) && !loaded.swiperShadowBanned ? reachingLike(userId, from, to, decision.action, loaded.toOwnerIsPremium) : undefined,
        quests: complete.size === 0 ? quests : quests.filter((quest) => !complete.has(quest.id)),
        questDay,
      })
      .catch((error: unknown) => {
        memory.likesToday = undefined; // stored or not is unknown: the next swipe counts again
        throw error;
      });
    if (write.kind === 'duplicate') continue; // stored meanwhile: the next read answers it as a repeat
    if (write.kind === 'gone') throw new AppError(ErrorCode.CARD_NOT_FOUND, 'that card no longer exists');
    const used = context.likesToday + (isLike(decision.action) ? 1 : 0);
    memory.likesToday = { dayStartMs, used };
    if (write.questsComplete.some((id) => !complete.has(id))) memory.questsComplete = { day: questDay, ids: new Set([...complete, ...write.questsComplete]) };
    return {
      result: { action: decision.action, matched: write.matchId !== null, matchId: write.matchId, repeated: false, likesLeft: left(used) },
      events: write.events,
      progress: counted(write.matchId),
    };
  }
  throw new AppError(ErrorCode.INTERNAL, 'the swipe could not be settled');
}

/** What a like that reaches the liked card's owner causes: a pending like's event, or the match's. */
function reachingLike(
  userId: string,
  from: SwipeToRecord['from'],
  to: SwipeToRecord['to'],
  action: SwipeAction,
  toOwnerIsPremium: boolean,
): NonNullable<SwipeToRecord['reaches']> {
  const matchIdIfMutual = randomUUID();
  return {
    matchIdIfMutual,
    eventIfPending: likeReceivedEvent(
      { userId: to.ownerId, isPremium: toOwnerIsPremium },
      { fromCardId: from.id, fromUserId: userId, toCardId: to.id, superlike: action === 'superlike' },
    ),
    eventsIfMatched: matchCreatedEvents(matchIdIfMutual, from, to),
  };
}

const NONE_COMPLETE: ReadonlySet<string> = new Set();
// The day's swipe quests, worked out once a day for the node's sessions (each swipe asks, thousands a second).
let swipeQuests: { readonly dayNumber: number; readonly day: string; readonly quests: readonly QuestDefinition[] } | undefined;

/** The UTC day of `nowMs` and the quests a swipe advances on it. */
function swipeQuestsOf(nowMs: number): { readonly day: string; readonly quests: readonly QuestDefinition[] } {
  const dayNumber = Math.floor(nowMs / DAY_MS);
  if (swipeQuests?.dayNumber !== dayNumber) {
    const day = utcDay(nowMs);
    swipeQuests = { dayNumber, day, quests: questsAdvancedBy(ProgressAction.SWIPE, day) };
  }
  return swipeQuests;
}

/** A match's progress, for both owners, once stored. */
function countMatch(services: RoomServices, match: { readonly matchId: string; readonly ownerIds: readonly string[] } | undefined): Promise<StoredUserEvent[]> {
  if (!match) return Promise.resolve([]);
  return awardProgress(services.db, matchAwards(match), services.now().getTime(), (error, award) =>
    services.logger.warn({ err: error, userId: award.userId, key: award.key }, 'progress not counted; a retried like counts its match'),
  );
}

/** Undoes the user's most recent swipe if it was a pass (premium, once per swipe: the mark is stored with the account). */
export async function rewind(services: RoomServices, userId: string): Promise<RewindResult> {
  const state = await findRewindState(services.db, userId);
  const decision = decideRewind({ isPremium: state?.isPremium === true, last: state?.last, lastRewoundId: state?.lastRewoundId ?? null });
  if (decision.kind === 'refused') throw new AppError(decision.code, decision.message);
  if (!(await deletePass(services.db, userId, decision.swipe, swipeQuestsOf(services.now().getTime())))) {
    throw new AppError(ErrorCode.NOTHING_TO_REWIND, 'there is no swipe to rewind');
  }
  return { fromCardId: decision.swipe.fromCardId, toCardId: decision.swipe.toCardId };
}
