import { nearbyFigure } from './nearbyFigure';

/** A session renews its user's place in a lobby this often; a place not renewed for two periods lapses. */
export const LOBBY_RENEW_MS = 20_000;
export const LOBBY_LEASE_MS = 2 * LOBBY_RENEW_MS + 5_000;

/**
 * Who is in a discovery lobby now: each place is a lease its user's session
 * renews, and a shadow-banned user (`hidden`) counts for nobody.
 * Time is passed in.
 */
export class LobbyLeases {
  private readonly places = new Map<string, { expiresAtMs: number; hidden: boolean }>(); // by userId
  private hiddenCount = 0;

  /** Places a user, or renews their place. */
  enter(userId: string, hidden: boolean, nowMs: number): void {
    this.set(userId, { expiresAtMs: nowMs + LOBBY_LEASE_MS, hidden });
  }

  /** Takes a user's place away; true when they had one. */
  leave(userId: string): boolean {
    const had = this.places.has(userId);
    this.set(userId, undefined);
    return had;
  }

  /** Lets lapsed places go; true when any did. */
  sweep(nowMs: number): boolean {
    let lapsed = false;
    for (const [userId, place] of this.places) {
      if (place.expiresAtMs <= nowMs) {
        this.set(userId, undefined);
        lapsed = true;
      }
    }
    return lapsed;
  }

  get size(): number {
    return this.places.size;
  }

  /**
   * "N nearby now" as `viewerId` is shown it: the others visible here, coarsened
   * (domain/nearbyFigure), so no figure tells one person's arrival. A hidden
   * viewer is not counted either way, so they see what they would unhidden.
   */
  nearbyFor(viewerId?: string): number {
    const ownVisible = viewerId !== undefined && this.places.get(viewerId)?.hidden === false ? 1 : 0;
    return nearbyFigure(this.places.size - this.hiddenCount - ownVisible);
  }

  private set(userId: string, place: { expiresAtMs: number; hidden: boolean } | undefined): void {
    if (this.places.get(userId)?.hidden) this.hiddenCount--;
    if (place) this.places.set(userId, place);
    else this.places.delete(userId);
    if (place?.hidden) this.hiddenCount++;
  }
}
