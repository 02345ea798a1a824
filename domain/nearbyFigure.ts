/**
 * Fewer other people than this in a lobby are shown as 0, "a few at most":
 * in a sparse cell, where one person's coming and going would be theirs
 * alone to cause, the figure says nothing.
 */
export const NEARBY_FEW_BELOW = 5;

/**
 * The "N people nearby now" figure shown for `others` people in a lobby
 * (never counting the viewer): 0 below NEARBY_FEW_BELOW, else the largest of
 * 5, 10, 20, 50, 100, 200, 500, 1000, ... not above `others`, so "at least N".
 *
 * One person coming or going moves the figure only at a bucket's edge, where
 * at least five others (then ten, twenty, ...) are there, any of whom could
 * be the one; buckets grow by 2 to 2.5 times, so the figure stays about as
 * precise, relatively, as a crowd gets larger.
 *
 * @example nearbyFigure(4) // 0
 * @example nearbyFigure(37) // 20
 */
export function nearbyFigure(others: number): number {
  if (!(others >= NEARBY_FEW_BELOW)) return 0;
  let decade = 1;
  while (decade * 10 <= others) decade *= 10;
  for (const step of [5, 2]) if (others >= step * decade) return step * decade;
  return decade;
}
