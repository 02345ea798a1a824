import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import webPush from 'web-push';
import type { VapidKeys } from './push/pushConfig';

/** What a development node signs with when nothing is configured: random, its own, kept across restarts. */
export interface LocalSecrets {
  readonly jwtSecret: string;
  readonly liveKitApiKey: string;
  readonly liveKitApiSecret: string;
  /** Signs Web Push requests; browsers' subscriptions are bound to its public key, so it must outlive restarts. */
  readonly vapid: VapidKeys;
}

export const LOCAL_SECRETS_FILE = 'secrets.json';

export function randomSecrets(): LocalSecrets {
  return {
    jwtSecret: randomBytes(32).toString('base64url'),
    liveKitApiKey: `kismet-${randomBytes(6).toString('hex')}`,
    liveKitApiSecret: randomBytes(32).toString('base64url'),
    vapid: webPush.generateVAPIDKeys(),
  };
}

type StoredSecrets = Omit<LocalSecrets, 'vapid'> & { readonly vapid?: VapidKeys };

function isStoredSecrets(value: unknown): value is StoredSecrets {
  const v = value as Partial<LocalSecrets> | null;
  return (
    typeof v === 'object' && v !== null &&
    typeof v.jwtSecret === 'string' && v.jwtSecret.length >= 32 &&
    typeof v.liveKitApiKey === 'string' && v.liveKitApiKey.length > 0 &&
    typeof v.liveKitApiSecret === 'string' && v.liveKitApiSecret.length >= 32 &&
    // Files written before Web Push have no key pair; one is added to them.
    (v.vapid === undefined || (typeof v.vapid.publicKey === 'string' && typeof v.vapid.privateKey === 'string'))
  );
}

const format = (secrets: LocalSecrets) => `${JSON.stringify(secrets, null, 2)}\n`;

/**
 * The node's own secrets, from `<dataDir>/secrets.json`, made on first use
 * (readable by the owner alone). Tokens signed before a restart stay valid,
 * and nobody else knows the key, unlike a secret written in the source.
 */
export function readOrCreateLocalSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, LOCAL_SECRETS_FILE);
  const read = (): StoredSecrets | undefined => {
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (isStoredSecrets(parsed)) return parsed;
      throw new Error(`${file} is not a Kismet secrets file; move it away to make a new one`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };
  const complete = (stored: StoredSecrets): LocalSecrets =>
    stored.vapid ? { ...stored, vapid: stored.vapid } : addVapidKeys(file, stored, read);
  const existing = read();
  if (existing) return complete(existing);
  fs.mkdirSync(dataDir, { recursive: true });
  const made = randomSecrets();
  try {
    // 'wx': of two processes starting at once, one writes and the other reads what it wrote.
    fs.writeFileSync(file, format(made), { mode: 0o600, flag: 'wx' });
    return made;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const written = read();
    if (!written) throw error;
    return complete(written);
  }
}

/**
 * Adds a VAPID key pair to a secrets file written before Web Push, keeping the
 * rest: replaced whole by a rename, so no reader ever sees half a file. What
 * the file holds afterwards is returned, whoever wrote it.
 */
function addVapidKeys(file: string, old: StoredSecrets, read: () => StoredSecrets | undefined): LocalSecrets {
  const upgraded: LocalSecrets = { ...old, vapid: webPush.generateVAPIDKeys() };
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, format(upgraded), { mode: 0o600 });
  fs.renameSync(temporary, file);
  const now = read();
  return now?.vapid ? { ...now, vapid: now.vapid } : upgraded;
}
