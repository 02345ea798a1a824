import { cellToLatLng, gridDisk, latLngToCell } from 'h3-js';
import { greatCircleKm, type LatLng } from './geo';

/**
 * Where other people see a person: the centre of the H3 cell of this
 * resolution that holds them, never their own coordinates. At 7 a cell is
 * about 5 km² (edges of 1.2–1.4 km in most places), so everything another user
 * can learn, by any number of decks from any number of places, is which of
 * these cells a person is in.
 */
export const PRIVACY_RESOLUTION = 7;

/** What a person's card shows of where they are: the centre of their privacy cell. */
export function discoveryPoint(at: LatLng): LatLng {
  const [lat, lng] = cellToLatLng(latLngToCell(at.lat, at.lng, PRIVACY_RESOLUTION));
  return { lat, lng };
}

/**
 * What a person's card shows after they move, given what it showed before: the same
 * privacy cell while they stay in it or in a cell next to it, else the centre of the
 * cell they are in. Someone living near the edge between two cells would otherwise
 * flip between them as their phone's fix wanders, and anyone watching their card for
 * days would learn that they live near that edge, far finer than which cell. Kept
 * this way, a cell changes only with a move of a cell or more, and at most once.
 */
export function keptDiscoveryPoint(shownBefore: LatLng | undefined, at: LatLng): LatLng {
  if (shownBefore) {
    const before = latLngToCell(shownBefore.lat, shownBefore.lng, PRIVACY_RESOLUTION);
    if (gridDisk(before, 1).includes(latLngToCell(at.lat, at.lng, PRIVACY_RESOLUTION))) {
      const [lat, lng] = cellToLatLng(before);
      return { lat, lng };
    }
  }
  return discoveryPoint(at);
}

/**
 * A distance as shown to someone else: whole kilometres, never less than 1
 * ("1" reads "within about a kilometre"). Whole kilometres on top of the
 * privacy cell leave nothing finer to fit.
 */
export function shownDistanceKm(km: number): number {
  return Math.max(1, Math.round(km));
}

/** Distance between two people as discovery sees it: between their privacy points. */
export function discoveryDistanceKm(a: LatLng, b: LatLng): number {
  return greatCircleKm(discoveryPoint(a), discoveryPoint(b));
}

/**
 * How far a person may plausibly move: a GPS fix may wander this much at once,
 * and beyond it nobody goes faster than an airliner.
 */
export const LOCATION_JITTER_KM = 3;
export const MAX_PLAUSIBLE_SPEED_KMH = 1000;

export type MoveDecision = { readonly kind: 'accepted' } | { readonly kind: 'implausible'; readonly retryAfterMs: number };

/**
 * Whether a location update is a move a person could have made since the last
 * one. A jump faster than that (a spoofing client hopping around to
 * triangulate someone) is refused until enough time has passed for it.
 */
export function decideMove(previous: (LatLng & { readonly atMs: number }) | undefined, next: LatLng, nowMs: number): MoveDecision {
  if (!previous) return { kind: 'accepted' };
  const km = greatCircleKm(previous, next);
  const allowedKm = LOCATION_JITTER_KM + (MAX_PLAUSIBLE_SPEED_KMH * Math.max(0, nowMs - previous.atMs)) / 3_600_000;
  if (km <= allowedKm) return { kind: 'accepted' };
  const neededMs = ((km - LOCATION_JITTER_KM) / MAX_PLAUSIBLE_SPEED_KMH) * 3_600_000;
  return { kind: 'implausible', retryAfterMs: Math.ceil(neededMs - (nowMs - previous.atMs)) };
}
