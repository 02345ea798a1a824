/**
 * Similarity of two free texts (bios, job descriptions), computed in-process:
 * the cosine of their word sets, |A ∩ B| / √(|A|·|B|), from 0 (no word shared)
 * to 1 (the same words). Words are lower-cased runs of letters, digits, + and #
 * (so "C++" and "C#" survive), common English words left out.
 */
const STOP_WORDS = new Set(
  ('a an and are as at be been but by for from has have i i\'m in is it its me my of on or our so that the their them ' +
    'they this to was we were what when where which who will with you your').split(' '),
);

const WORD = /[\p{L}\p{N}+#]+/gu;

export function wordSet(text: string): ReadonlySet<string> {
  const words = new Set<string>();
  for (const match of text.toLowerCase().matchAll(WORD)) {
    const word = match[0];
    if (!STOP_WORDS.has(word)) words.add(word);
  }
  return words;
}

/** Cosine similarity of two word sets; null when either is empty (nothing to compare). */
export function wordSetSimilarity(a: ReadonlySet<string>, b: ReadonlySet<string>): number | null {
  if (a.size === 0 || b.size === 0) return null;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const word of small) if (large.has(word)) shared++;
  return shared / Math.sqrt(a.size * b.size);
}
