/**
 * Progress: XP for actions worth rewarding, levels from XP on one curve, and
 * daily quests. Everything here is data and arithmetic; storage counts each
 * action once (by its action key) and passes the figures in.
 */

/** The actions progress counts. */
export const ProgressAction = {
  /** A match made (each owner). */
  MATCH: 'match',
  /** The user's first message in a thread. */
  FIRST_MESSAGE: 'first_message',
  /** A swipe stored (like, superlike or pass). */
  SWIPE: 'swipe',
  /** In a live event's room when it ended, long enough before (`stayNeededToAttend`). */
  EVENT_ATTENDED: 'event_attended',
  /** The person card first complete (`isProfileComplete`). */
  PROFILE_COMPLETED: 'profile_completed',
} as const;
export type ProgressAction = (typeof ProgressAction)[keyof typeof ProgressAction];

/**
 * The stay that counts as attending a live event: in the room at its end, and there
 * without a break for at least 10 minutes of it, or half of an event shorter than 20
 * minutes. Joining for its last seconds, of many events, earns nothing.
 */
export const ATTENDED_STAY_MS = 10 * 60 * 1000;
export const ATTENDED_SHARE = 0.5;

/** The unbroken stay up to its end (from its start at the earliest) that attending an event of `eventLengthMs` needs. */
export function stayNeededToAttend(eventLengthMs: number): number {
  return Math.min(ATTENDED_STAY_MS, ATTENDED_SHARE * eventLengthMs);
}

/** Tags a person's profile needs to count as complete. */
export const COMPLETE_PROFILE_MIN_TAGS = 3;

/** A person's card with a title, a bio, a birth year and at least three tags. */
export function isProfileComplete(card: {
  readonly kind: string;
  readonly title: string;
  readonly bio: string;
  readonly birthYear: number | null;
  readonly tags: readonly unknown[];
}): boolean {
  return card.kind === 'person' && card.title.trim() !== '' && card.bio.trim() !== '' && card.birthYear !== null && card.tags.length >= COMPLETE_PROFILE_MIN_TAGS;
}

/** XP each counted action earns. */
export const XP_RULES: Readonly<Record<ProgressAction, number>> = {
  match: 100,
  first_message: 20,
  swipe: 0,
  event_attended: 50,
  profile_completed: 50,
};

/**
 * The key an action is counted under, once per user: a retry, a resend or the
 * same action reported by another node carries the same key and earns nothing.
 */
export function actionKey(action: ProgressAction, id: string): string {
  return `${action}:${id}`;
}

/**
 * What a match is counted under: the two people, not the match. Each pair of
 * cards that like each other is a new match, and one recruiter may hold many
 * job cards, so keyed by match two accounts could pay each other again and
 * again; keyed by the people, two accounts earn match XP from each other once.
 */
export function matchPairKey(ownerIds: readonly string[]): string {
  return actionKey(ProgressAction.MATCH, [...new Set(ownerIds)].sort().join(':'));
}

export interface QuestDefinition {
  readonly id: string;
  readonly title: string;
  readonly action: ProgressAction;
  readonly target: number;
  /** XP added when the quest completes. */
  readonly xp: number;
}

/** Every quest there is; each UTC day assigns QUESTS_PER_DAY of them. */
export const QUEST_POOL: readonly QuestDefinition[] = [
  { id: 'send-3-first-messages', title: 'Send 3 first messages', action: 'first_message', target: 3, xp: 60 },
  { id: 'swipe-20-profiles', title: 'Swipe 20 profiles', action: 'swipe', target: 20, xp: 40 },
  { id: 'attend-an-event', title: 'Attend a live event', action: 'event_attended', target: 1, xp: 80 },
  { id: 'make-a-match', title: 'Make a match', action: 'match', target: 1, xp: 50 },
];
export const QUESTS_PER_DAY = 3;

/** A UTC day, in milliseconds. */
export const DAY_MS = 24 * 60 * 60 * 1000;

/** The UTC day holding `nowMs`, as `YYYY-MM-DD`. */
export function utcDay(nowMs: number): string {
  return new Date(Math.floor(nowMs / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/** The quests of a UTC day: the same for everyone, rotating through the pool day by day. */
export function questsForDay(day: string): readonly QuestDefinition[] {
  const dayNumber = Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
  const start = ((dayNumber % QUEST_POOL.length) + QUEST_POOL.length) % QUEST_POOL.length;
  return Array.from({ length: Math.min(QUESTS_PER_DAY, QUEST_POOL.length) }, (_, i) => QUEST_POOL[(start + i) % QUEST_POOL.length]!);
}

/** The day's quests an action advances. */
export function questsAdvancedBy(action: ProgressAction, day: string): readonly QuestDefinition[] {
  return questsForDay(day).filter((quest) => quest.action === action);
}

/** XP needed to reach level `level` from zero: 100·(level−1)·level/2, so each level costs 100 more than the last. */
export const LEVEL_STEP_XP = 100;
export function xpForLevel(level: number): number {
  return (LEVEL_STEP_XP * (level - 1) * level) / 2;
}

/** The level of a total XP: 1 from 0, 2 from 100, 3 from 300, 4 from 600, … */
export function levelForXp(xp: number): number {
  let level = 1;
  while (xpForLevel(level + 1) <= xp) level++;
  return level;
}

export interface CountedAction {
  /** XP before the action. */
  readonly xpBefore: number;
  /** XP the action itself earns. */
  readonly xp: number;
  /** The quests it advanced, with their counts after it. */
  readonly quests: ReadonlyArray<{ readonly quest: QuestDefinition; readonly count: number }>;
}

export interface ProgressOutcome {
  readonly xpGained: number;
  readonly xpAfter: number;
  /** Quests this action completed (their count reached the target just now). */
  readonly completed: readonly QuestDefinition[];
  /** The level reached, when the action crossed into a higher one. */
  readonly levelUp: { readonly from: number; readonly to: number } | undefined;
}

/** What one counted action changes: its XP, the quests it completes (and their XP), a level crossed. */
export function settleProgress(input: CountedAction): ProgressOutcome {
  const completed = input.quests.filter((q) => q.count === q.quest.target).map((q) => q.quest);
  const xpGained = input.xp + completed.reduce((sum, quest) => sum + quest.xp, 0);
  const xpAfter = input.xpBefore + xpGained;
  const from = levelForXp(input.xpBefore);
  const to = levelForXp(xpAfter);
  return { xpGained, xpAfter, completed, levelUp: to > from ? { from, to } : undefined };
}

export interface QuestProgressView {
  readonly id: string;
  readonly title: string;
  readonly action: ProgressAction;
  readonly target: number;
  readonly count: number;
  readonly xp: number;
  readonly completed: boolean;
}

export interface ProgressView {
  readonly xp: number;
  readonly level: number;
  /** XP where the current level starts and where the next one does. */
  readonly levelStartXp: number;
  readonly nextLevelXp: number;
  readonly day: string;
  readonly quests: readonly QuestProgressView[];
}

/** The user's progress as shown: totals, level bounds, and today's quests with their counts. */
export function progressView(xp: number, day: string, counts: ReadonlyMap<string, number>): ProgressView {
  const level = levelForXp(xp);
  return {
    xp,
    level,
    levelStartXp: xpForLevel(level),
    nextLevelXp: xpForLevel(level + 1),
    day,
    quests: questsForDay(day).map((quest) => {
      const count = Math.min(counts.get(quest.id) ?? 0, quest.target);
      return { id: quest.id, title: quest.title, action: quest.action, target: quest.target, count, xp: quest.xp, completed: count >= quest.target };
    }),
  };
}
