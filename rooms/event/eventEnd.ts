import { KismetCloseCode } from '../../contracts/messageTypes';
import { AppError, ErrorCode } from '../../domain/errors';
import { LONGEST_TIMER_MS } from '../actorRoom';
import { roomServices } from '../roomServices';
import type { Breakouts } from './breakouts';
import type { EventMedia } from './eventMedia';


/** What an event's end closes. */
export interface EndingEvent {
  readonly eventId: string;
  readonly media: EventMedia;
  readonly breakouts: Breakouts;
  /** Closes every connection with the code and disposes the actor. */
  disconnect(code: number): Promise<void>;
}

/**
 * An event's actor ends at the event's `endsAt`, however many are still connected:
 * its breakouts end and their media rooms close, every connection closes with 4509
 * (EVENT_ENDED), and the event's media room closes where a LiveKit server is
 * configured. A join whose seat was reserved before the end and connects after it is
 * refused, as the door refuses one after it.
 */
export class EventEnd {
  private endsAtMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(private readonly event: EndingEvent) {}

  /** Admits a connection while the event is on (the first one sets the end), or refuses it EVENT_ENDED. */
  admit(endsAtMs: number): void {
    if (this.ended || roomServices().now().getTime() >= endsAtMs) throw new AppError(ErrorCode.EVENT_ENDED, `${ErrorCode.EVENT_ENDED}: the event is over`);
    if (this.endsAtMs !== undefined) return;
    this.endsAtMs = endsAtMs;
    this.arm();
  }

  close(): void {
    clearTimeout(this.timer);
  }

  private arm(): void {
    const leftMs = this.endsAtMs! - roomServices().now().getTime();
    if (leftMs > 0) {
      // An end past the longest delay a timer takes (about 24.8 days) is waited for in steps.
      this.timer = setTimeout(() => this.arm(), Math.min(leftMs, LONGEST_TIMER_MS));
      return;
    }
    this.end().catch((error: unknown) => roomServices().logger.warn({ err: error, eventId: this.event.eventId }, 'the event’s end not finished'));
  }

  private async end(): Promise<void> {
    this.ended = true;
    const { media, breakouts } = this.event;
    await Promise.all([
      this.event.disconnect(KismetCloseCode.EVENT_ENDED),
      breakouts.finish(),
      media.onServer((control) => control.close(media.room)),
    ]);
  }
}
