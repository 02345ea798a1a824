/** A session renews its user's place in a lobby this often; a place not renewed for two periods lapses. */
export const LOBBY_RENEW_MS = 20_000;
export const LOBBY_LEASE_MS = 2 * LOBBY_RENEW_MS + 5_000;

/**
 * Who is in a discovery lobby now: each place is a lease its user's session
 * renews, and a shadow-banned user (`hidden`) counts for nobody but themselves.
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

  /** Whether everyone is counted the same for every viewer (nobody hidden). */
  get sameForAll(): boolean {
    return this.hiddenCount === 0;
  }

  /** "N nearby now" as `viewerId` is shown it: everyone visible, and themselves. */
  nearbyFor(viewerId?: string): number {
    const ownHidden = viewerId !== undefined && this.places.get(viewerId)?.hidden === true ? 1 : 0;
    return this.places.size - this.hiddenCount + ownHidden;
  }

  private set(userId: string, place: { expiresAtMs: number; hidden: boolean } | undefined): void {
    if (this.places.get(userId)?.hidden) this.hiddenCount--;
    if (place) this.places.set(userId, place);
    else this.places.delete(userId);
    if (place?.hidden) this.hiddenCount++;
  }
}
