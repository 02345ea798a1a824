import type { Kysely } from 'kysely';
import { findJobPlacement } from '../db/repositories/cardRepository';
import { findUserLocation } from '../db/repositories/userRepository';
import type { Database } from '../db/types';
import { AppError, ErrorCode } from '../domain/errors';
import type { LatLng } from '../domain/geo';
import { decideMove } from '../domain/locationPrivacy';
import { spendOrRefuse, type RateLimiter } from './rateLimiter';

/**
 * A job's deck is built where the job stands (a job placed nowhere searches from its
 * owner's location), so placing or moving a job is a location update of its owner's:
 * each spends the owner's `location` bucket, and a move goes no faster than a person
 * travels (`decideMove`, the rule of `location.update`), measured from where the job
 * stood and since when, or from the owner's own last location for a job placed nowhere.
 * Refused with `LOCATION_IMPLAUSIBLE` (and `retryAfterMs`) as a member's jump is.
 * A new job's place is not measured (a company hires in many cities at once): it
 * spends the bucket, and an account's new cards are bounded (`MAX_NEW_CARDS`).
 */
export async function placeJob(
  deps: { readonly db: Kysely<Database>; readonly placementLimits: RateLimiter; readonly now: () => Date },
  ownerId: string,
  /** The job moved, or undefined for a new one. */
  jobId: string | undefined,
  /** Where it is to stand; null gives up a place of its own (it then searches from its owner's location, which their updates keep). */
  next: LatLng | null,
): Promise<void> {
  await spendOrRefuse(deps.placementLimits, 'location', ownerId);
  if (jobId === undefined || next === null) return;
  const from = (await findJobPlacement(deps.db, jobId)) ?? (await findUserLocation(deps.db, ownerId));
  const move = decideMove(from, next, deps.now().getTime());
  if (move.kind === 'implausible') {
    throw new AppError(ErrorCode.LOCATION_IMPLAUSIBLE, 'a job travels no faster than a person; it stays where it was', { retryAfterMs: move.retryAfterMs });
  }
}
