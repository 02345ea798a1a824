import { timingSafeEqual } from 'node:crypto';

/** Compares a presented operator key with the configured one in constant time. */
export function isOperatorKey(given: string | undefined, expected: string | undefined): boolean {
  if (given === undefined || expected === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
