import { AppError, ErrorCode } from '../../domain/errors';
import { slowModeWaitMs, type LiveEventRole } from '../../domain/liveEventRules';
import type { EventChatMessage } from '../../contracts/liveEvents';

/** An event's chat: slow mode, when on, lets an attendee (not a host) say one thing every so many seconds. */
export class EventChat {
  private slowModeS = 0;
  private readonly lastSaid = new Map<string, number>(); // userId → ms

  setSlowMode(seconds: number): void {
    this.slowModeS = seconds;
  }

  /** The message to send, or SLOW_MODE with when to try again. */
  say(speaker: { readonly userId: string; readonly role: LiveEventRole }, text: string, nowMs: number): EventChatMessage {
    const waitMs = slowModeWaitMs({ role: speaker.role, slowModeS: this.slowModeS, lastSentMs: this.lastSaid.get(speaker.userId), nowMs });
    if (waitMs > 0) throw new AppError(ErrorCode.SLOW_MODE, `slow mode: one message every ${this.slowModeS} s`, { retryAfterMs: waitMs });
    this.lastSaid.set(speaker.userId, nowMs);
    return { userId: speaker.userId, text, at: nowMs };
  }
}
