import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';

/** Keeps these keys apart from anything else the same secret keys. */
const PURPOSE = 'kismet:event-alias:v1';

/** A person's uuid as its 16 bytes, and back. */
const bytesOf = (uuid: string): Buffer => Buffer.from(uuid.replace(/-/g, ''), 'hex');
const uuidOf = (bytes: Buffer): string => {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/**
 * How attendees are named inside one live event: never by their user id, which
 * is what names their cards (`ownerId`) everywhere else, so that someone at a
 * hiring event cannot find a speaker's dating card by it. The alias is the
 * person's uuid enciphered under a key of the event (AES-256 on its one block,
 * the key an HMAC-SHA256 of the event id under the deployment's secret): the
 * same person has the same alias all through the event and on every node, two
 * events give them unrelated aliases, and without the secret nothing links an
 * alias to the person. The server deciphers an alias back, so commands and a
 * report naming one need no table of who is who.
 *
 * @example const aliases = new EventAliasKeys(secret).of(eventId); aliases.userOf(aliases.of(userId)) === userId
 */
export class EventAliasKeys {
  constructor(private readonly secret: string) {}

  /** The aliases of one event. */
  of(eventId: string): EventAliases {
    return new EventAliases(createHmac('sha256', this.secret).update(`${PURPOSE}\0${eventId.toLowerCase()}`).digest());
  }
}

/**
 * How many people's aliases an event keeps worked out: every hand queue it tells
 * names each hand again, so the people of a large event's queue are each
 * enciphered once, not at every telling; past this many it starts again.
 */
export const ALIASES_KEPT = 10_000;

/** The aliases of one live event (EventAliasKeys). */
export class EventAliases {
  private readonly known = new Map<string, string>();

  constructor(private readonly key: Buffer) {}

  /** The person's alias in this event: 22 characters of base64url. */
  of(userId: string): string {
    const kept = this.known.get(userId);
    if (kept !== undefined) return kept;
    const cipher = createCipheriv('aes-256-ecb', this.key, null).setAutoPadding(false);
    const alias = Buffer.concat([cipher.update(bytesOf(userId.toLowerCase())), cipher.final()]).toString('base64url');
    if (this.known.size >= ALIASES_KEPT) this.known.clear();
    this.known.set(userId, alias);
    return alias;
  }

  /**
   * The user id an alias of this event stands for; undefined for a string no
   * alias is spelled as. Any alias of the right shape deciphers to some id: one
   * made for another event, or made up, names nobody here, which the caller
   * finds as it finds any absent person.
   */
  userOf(alias: string): string | undefined {
    const bytes = Buffer.from(alias, 'base64url');
    // Only the one spelling `of` gives: base64url is lenient about the last character and strays.
    if (bytes.length !== 16 || bytes.toString('base64url') !== alias) return undefined;
    const decipher = createDecipheriv('aes-256-ecb', this.key, null).setAutoPadding(false);
    return uuidOf(Buffer.concat([decipher.update(bytes), decipher.final()]));
  }
}
