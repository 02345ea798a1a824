import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

/**
 * zxcvbn's score a new password must reach: 3 is "safely unguessable", an estimated 10^8
 * guesses or more. Below it are the commonest passwords and their variants ("password1",
 * "12345678", "qwertyuiop", "P@ssw0rd", a name and a year), which a guesser spreading a few
 * log-ins over many addresses tries first, whatever the per-account limit.
 */
export const MIN_PASSWORD_SCORE = 3;

/**
 * How much of a password the estimator reads. Its cost grows with the length (a 128-character
 * random password took one to three seconds of CPU with the library's defaults, its first 64
 * characters about 0.1 s as run here). Judged on its start, a longer password is judged no
 * stronger than it is: one with a weak start is refused, whatever follows.
 */
export const PASSWORD_JUDGED_CHARS = 64;

/**
 * Variants with l33t letters undone (`p@ssw0rd` read as `password`) tried per password: the
 * library's default of 100 is most of the cost on long inputs, and 5 finds as many of the
 * common list's l33t forms as 20 do (of 400, 394; 100 finds 397).
 */
const L33T_VARIANTS = 5;

/** A local part shorter than this is too common a string to refuse every password containing it; the estimator still weighs it. */
const MIN_CONTAINED_LOCAL_PART_CHARS = 3;

export type WeakPasswordReason = 'guessable' | 'contains-email';
export type PasswordVerdict = { readonly kind: 'strong' } | { readonly kind: 'weak'; readonly reason: WeakPasswordReason };

let estimator: Promise<ZxcvbnFactory> | undefined;

/**
 * The estimator with its dictionaries (common passwords, English words and names, keyboard
 * layouts): tens of MB of heap and most of a second of the main thread to load, so loaded
 * while the node starts (preparePasswordJudge), before it listens: no request waits for it.
 */
function loadedEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory: Factory }, common, english] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-en'),
    ]);
    return new Factory({
      dictionary: { ...common.dictionary, ...english.dictionary },
      graphs: common.adjacencyGraphs,
      translations: english.translations,
      l33tMaxSubstitutions: L33T_VARIANTS,
    });
  })().catch((error: unknown) => {
    estimator = undefined;
    throw error;
  });
  return estimator;
}

const localPartOf = (email: string) => email.slice(0, email.lastIndexOf('@'));
const SEPARATORS = /[^\p{L}\p{N}]+/u;

/** The account's own strings a guesser tries with it: the email, its local part and that part's words, and the service's name. */
function accountWords(email: string): string[] {
  const localPart = localPartOf(email);
  const words = localPart.split(SEPARATORS).filter((word) => word.length >= MIN_CONTAINED_LOCAL_PART_CHARS);
  return [email, localPart, ...words, 'kismet'];
}

/** Whether the password holds the email, or its local part with or without its separators (`ada.lovelace`, `adalovelace`). */
function containsEmail(password: string, email: string): boolean {
  const lowered = password.toLowerCase();
  const localPart = localPartOf(email);
  const forms = [localPart, localPart.split(SEPARATORS).join('')].filter((form) => form.length >= MIN_CONTAINED_LOCAL_PART_CHARS);
  return lowered.includes(email) || forms.some((form) => lowered.includes(form));
}

/** Loads the estimator and its dictionaries (node start, before listening). */
export async function preparePasswordJudge(): Promise<void> {
  await loadedEstimator();
}

/**
 * Whether `password` may be set for the account of `email` (lowercased, as the body schema
 * leaves it): refused if it contains the email or its local part, or scores below
 * MIN_PASSWORD_SCORE with the account's words counted as known. Only where a password is
 * set; a log-in never asks, so accounts made before the rule still sign in.
 *
 * @example await judgePassword('correct horse battery', 'ada@example.com') // { kind: 'strong' }
 */
export async function judgePassword(password: string, email: string): Promise<PasswordVerdict> {
  if (containsEmail(password, email)) return { kind: 'weak', reason: 'contains-email' };
  const { score } = (await loadedEstimator()).check(password.slice(0, PASSWORD_JUDGED_CHARS), accountWords(email));
  return score < MIN_PASSWORD_SCORE ? { kind: 'weak', reason: 'guessable' } : { kind: 'strong' };
}
