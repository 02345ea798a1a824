import type { PresenceStatus } from '../../domain/presence';
import { UserEventType } from '../../domain/userEvents';
import { roomServices } from '../roomServices';

/**
 * A user's presence as their session keeps it: online, away or offline, told
 * to the people they matched with, unless the user is shadow-banned, when
 * nobody else hears of it.
 */
export class SessionPresence {
  status: PresenceStatus = 'offline';
  shadowBanned = false;
  /** The other members of the user's active matches: who hears of their presence. */
  private readonly counterparts = new Set<string>();

  constructor(private readonly userId: string) {}

  /** Who hears of the user's presence, from the session's start read (which sets `shadowBanned` too). */
  begin(start: { readonly shadowBanned: boolean; readonly counterparts: readonly string[] }): void {
    this.shadowBanned = start.shadowBanned;
    for (const id of start.counterparts) this.counterparts.add(id);
  }

  /**
   * Stores the new presence and tells the user's matches. An erased account's is neither
   * (its devices leave after the erasure, and its own `match.ended` are gone with it): from
   * then on it announces nothing more.
   */
  async change(next: PresenceStatus): Promise<void> {
    if (next === this.status) return;
    this.status = next;
    const services = roomServices();
    const at = services.now();
    if (!(await services.sessions.recordPresence(this.userId, next, at))) this.counterparts.clear();
    if (!this.shadowBanned) this.announce(next, at);
  }

  matched(otherUserId: string): void {
    this.counterparts.add(otherUserId);
  }

  /** Presence stops going to people this user no longer matches with. */
  unmatched(otherUserIds: readonly string[]): void {
    for (const other of otherUserIds) this.counterparts.delete(other);
  }

  /**
   * Storage's word, read again after Redis came back (matches made or ended, and a
   * shadow-ban set or lifted meanwhile, were not heard). True when the standing changed.
   */
  reconcile(start: { readonly shadowBanned: boolean; readonly counterparts: readonly string[] }): boolean {
    this.counterparts.clear();
    for (const id of start.counterparts) this.counterparts.add(id);
    return this.changeStanding(start.shadowBanned);
  }

  /** Shadow-banned, the user goes offline for everyone else; lifted, they are back as they are. True when it changed. */
  changeStanding(shadowBanned: boolean): boolean {
    if (shadowBanned === this.shadowBanned) return false;
    this.shadowBanned = shadowBanned;
    this.announce(shadowBanned ? 'offline' : this.status, roomServices().now());
    return true;
  }

  private announce(presence: PresenceStatus, at: Date): void {
    const { userEvents } = roomServices();
    for (const other of this.counterparts) {
      userEvents.publish(other, { kind: 'ephemeral', type: UserEventType.PRESENCE_CHANGED, data: { userId: this.userId, presence, lastSeenAt: at.getTime() } });
    }
  }
}
