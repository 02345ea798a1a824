import { createHmac } from 'node:crypto';

/**
 * An email as registration and log-in compare it: without surrounding spaces, in lower case
 * (contracts/auth.ts makes every body's email so). No provider's own rules (dots, `+tags`):
 * Kismet treats those as other addresses everywhere.
 */
export function normalizedEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Keeps these hashes apart from anything else the same secret keys. */
const PURPOSE = 'kismet:sanctioned-email:v1';

/**
 * The key under which an erased banned or shadow-banned account's email is kept
 * (db/repositories/sanctionedEmailRepository.ts): HMAC-SHA256 of the normalized email under
 * the deployment's secret, in hex. Without the secret a copy of the table answers no guess
 * of an address; the address itself is never stored.
 *
 * @example sanctionedEmailKeys(secret)(' Ana@Example.com ') === sanctionedEmailKeys(secret)('ana@example.com')
 */
export function sanctionedEmailKeys(secret: string): (email: string) => string {
  return (email) => createHmac('sha256', secret).update(`${PURPOSE}\0${normalizedEmail(email)}`).digest('hex');
}
