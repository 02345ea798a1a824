import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** What a development node signs with when nothing is configured: random, its own, kept across restarts. */
export interface LocalSecrets {
  readonly jwtSecret: string;
  readonly liveKitApiKey: string;
  readonly liveKitApiSecret: string;
}

export const LOCAL_SECRETS_FILE = 'secrets.json';

export function randomSecrets(): LocalSecrets {
  return {
    jwtSecret: randomBytes(32).toString('base64url'),
    liveKitApiKey: `kismet-${randomBytes(6).toString('hex')}`,
    liveKitApiSecret: randomBytes(32).toString('base64url'),
  };
}

function isLocalSecrets(value: unknown): value is LocalSecrets {
  const v = value as Partial<LocalSecrets> | null;
  return (
    typeof v === 'object' && v !== null &&
    typeof v.jwtSecret === 'string' && v.jwtSecret.length >= 32 &&
    typeof v.liveKitApiKey === 'string' && v.liveKitApiKey.length > 0 &&
    typeof v.liveKitApiSecret === 'string' && v.liveKitApiSecret.length >= 32
  );
}

/**
 * The node's own secrets, from `<dataDir>/secrets.json`, made on first use
 * (readable by the owner alone). Tokens signed before a restart stay valid,
 * and nobody else knows the key, unlike a secret written in the source.
 */
export function readOrCreateLocalSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, LOCAL_SECRETS_FILE);
  const read = (): LocalSecrets | undefined => {
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (isLocalSecrets(parsed)) return parsed;
      throw new Error(`${file} is not a Kismet secrets file; move it away to make a new one`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };
  const existing = read();
  if (existing) return existing;
  fs.mkdirSync(dataDir, { recursive: true });
  const made = randomSecrets();
  try {
    // 'wx': of two processes starting at once, one writes and the other reads what it wrote.
    fs.writeFileSync(file, `${JSON.stringify(made, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return made;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const written = read();
    if (!written) throw error;
    return written;
  }
}
