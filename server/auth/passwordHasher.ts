import { hash, verify, Algorithm } from '@node-rs/argon2';

/**
 * Argon2id with the OWASP minimum for a memory-hard KDF (19 MiB, 2 passes).
 * About 60 ms a hash on these machines; it runs on libuv's pool, not the event loop.
 */
export const ARGON2_OPTIONS = {
  algorithm: Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** Verified against when an email is unknown, so both paths cost the same. */
let decoyHash: Promise<string> | undefined;
export function getDecoyHash(): Promise<string> {
  decoyHash ??= hashPassword('kismet-decoy-password');
  return decoyHash;
}
