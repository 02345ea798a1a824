import { AppError, ErrorCode } from '../../domain/errors';
import { eventChatPace, slowModeWaitMs, type LiveEventRole } from '../../domain/liveEventRules';
import { takeToken, type Bucket } from '../../domain/rateLimits';
import type { EventChatMessage } from '../../contracts/liveEvents';

/**
 * An event's chat: slow mode, when on, lets an attendee (not a host) say one
 * thing every so many seconds; and the chat as a whole keeps the pace its
 * audience's size allows (domain/liveEventRules `eventChatPace`), hosts apart.
 */
export class EventChat {
  private slowModeS = 0;
  private readonly lastSaid = new Map<string, number>(); // userId → ms
  private pace: Bucket | undefined;

  setSlowMode(seconds: number): void {
    this.slowModeS = seconds;
  }

  /** The message to send to `connections` connections, naming the speaker by their alias, or SLOW_MODE with when to try again. */
  say(speaker: { readonly userId: string; readonly role: LiveEventRole; readonly alias: string }, text: string, nowMs: number, connections: number): EventChatMessage {
    const waitMs = slowModeWaitMs({ role: speaker.role, slowModeS: this.slowModeS, lastSentMs: this.lastSaid.get(speaker.userId), nowMs });
    if (waitMs > 0) throw new AppError(ErrorCode.SLOW_MODE, `slow mode: one message every ${this.slowModeS} s`, { retryAfterMs: waitMs });
    if (speaker.role !== 'host') {
      const taken = takeToken(this.pace, eventChatPace(connections), nowMs);
      this.pace = taken.bucket;
      if (!taken.allowed) throw new AppError(ErrorCode.SLOW_MODE, `the chat of an event this size goes at its own pace: try again in ${taken.retryAfterMs} ms`, { retryAfterMs: taken.retryAfterMs });
    }
    this.lastSaid.set(speaker.userId, nowMs);
    return { alias: speaker.alias, text, at: nowMs };
  }
}
