/**
 * The rows of a batched read (`unnest(...) with ordinality as q(..., i)`), one
 * answer per ask in the order asked: `answer` gets the row of each ask, or
 * undefined for an ask no row came back for.
 */
export function inAskedOrder<Row extends { readonly i: string | number }, Answer>(
  rows: readonly Row[],
  asked: number,
  answer: (row: Row | undefined) => Answer,
): Answer[] {
  const byIndex = new Map(rows.map((row) => [Number(row.i), row]));
  return Array.from({ length: asked }, (_, i) => answer(byIndex.get(i + 1)));
}
