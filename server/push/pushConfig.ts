import { createECDH, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BROWSER_PUSH_SERVICE_HOSTS } from '../../domain/push/webPush';
import { hostNameList } from '../hostNameSetting';

export const DEFAULT_FCM_ENDPOINT = 'https://fcm.googleapis.com';
export const DEFAULT_FCM_TOKEN_ENDPOINT = 'https://oauth2.googleapis.com/token';
export const APNS_ENDPOINTS = { production: 'https://api.push.apple.com', sandbox: 'https://api.sandbox.push.apple.com' } as const;
/** The VAPID contact of a development node's own keys; a deployment names its own in WEB_PUSH_SUBJECT. */
export const DEVELOPMENT_WEB_PUSH_SUBJECT = 'mailto:push@kismet.invalid';

/** A VAPID key pair (RFC 8292), base64url as browsers' `applicationServerKey` takes it. */
export interface VapidKeys {
  readonly publicKey: string;
  readonly privateKey: string;
}

/** Each provider's settings; a provider without them is off (undefined). */
export interface PushConfig {
  readonly webPush:
    | (VapidKeys & {
        /** `mailto:` or `https:` contact that push services may use to reach the sender. */
        readonly subject: string;
        /** The environment, or made and kept in the data folder of a development node. */
        readonly keySource: 'environment' | 'data-folder';
        /** Hosts a subscription's endpoint may be on (and their subdomains); WEB_PUSH_ENDPOINT_HOSTS. */
        readonly endpointHosts: readonly string[];
      })
    | undefined;
  readonly fcm:
    | {
        readonly projectId: string;
        readonly clientEmail: string;
        readonly privateKeyPem: string;
        readonly endpoint: string;
        readonly tokenEndpoint: string;
      }
    | undefined;
  readonly apns:
    | {
        readonly keyId: string;
        readonly teamId: string;
        /** The `.p8` key (PKCS#8, P-256) that signs provider tokens. */
        readonly privateKeyPem: string;
        /** The app's bundle id. */
        readonly topic: string;
        /** APNS_ENDPOINT replaces both when set. */
        readonly endpoints: { readonly production: string; readonly sandbox: string };
      }
    | undefined;
}

/** The push variables as config.ts parsed them (URLs checked, empty strings unset). */
export interface PushEnv {
  readonly WEB_PUSH_VAPID_PUBLIC_KEY?: string | undefined;
  readonly WEB_PUSH_VAPID_PRIVATE_KEY?: string | undefined;
  readonly WEB_PUSH_SUBJECT?: string | undefined;
  readonly WEB_PUSH_ENDPOINT_HOSTS?: string | undefined;
  readonly FCM_SERVICE_ACCOUNT_FILE?: string | undefined;
  readonly FCM_ENDPOINT?: string | undefined;
  readonly FCM_TOKEN_ENDPOINT?: string | undefined;
  readonly APNS_KEY_FILE?: string | undefined;
  readonly APNS_KEY_ID?: string | undefined;
  readonly APNS_TEAM_ID?: string | undefined;
  readonly APNS_TOPIC?: string | undefined;
  readonly APNS_ENDPOINT?: string | undefined;
}

/**
 * Checks the push variables together, appending to `problems` one line per bad
 * variable, named. `developmentVapidKeys` gives a development node's own keys
 * when the environment has none (Web Push then works with no setup).
 */
export function parsePushConfig(env: PushEnv, developmentVapidKeys: (() => VapidKeys) | undefined, problems: string[]): PushConfig {
  const webPush = webPushConfig(env, developmentVapidKeys, problems);
  const endpointHosts = webPushEndpointHosts(env, problems);
  return { webPush: webPush && { ...webPush, endpointHosts }, fcm: fcmConfig(env, problems), apns: apnsConfig(env, problems) };
}

/** WEB_PUSH_ENDPOINT_HOSTS, comma-separated host names; the browsers' push services when unset. */
function webPushEndpointHosts(env: PushEnv, problems: string[]): readonly string[] {
  if (env.WEB_PUSH_ENDPOINT_HOSTS === undefined) return BROWSER_PUSH_SERVICE_HOSTS;
  return hostNameList('WEB_PUSH_ENDPOINT_HOSTS', env.WEB_PUSH_ENDPOINT_HOSTS, problems);
}

function webPushConfig(env: PushEnv, developmentVapidKeys: (() => VapidKeys) | undefined, problems: string[]): Omit<NonNullable<PushConfig['webPush']>, 'endpointHosts'> | undefined {
  const { WEB_PUSH_VAPID_PUBLIC_KEY: publicKey, WEB_PUSH_VAPID_PRIVATE_KEY: privateKey, WEB_PUSH_SUBJECT: subject } = env;
  const count = problems.length;
  if (subject !== undefined && !/^(mailto:[^@\s]+@[^@\s]+|https:\/\/[^\s]+)$/.test(subject)) {
    problems.push('WEB_PUSH_SUBJECT: must be a mailto: address or an https: URL (RFC 8292)');
  }
  if (publicKey === undefined && privateKey === undefined) {
    if (developmentVapidKeys) return { ...developmentVapidKeys(), subject: subject ?? DEVELOPMENT_WEB_PUSH_SUBJECT, keySource: 'data-folder' };
    if (subject !== undefined) problems.push('WEB_PUSH_SUBJECT: set without WEB_PUSH_VAPID_PUBLIC_KEY and WEB_PUSH_VAPID_PRIVATE_KEY');
    return undefined;
  }
  if (publicKey === undefined || privateKey === undefined) {
    problems.push('WEB_PUSH_VAPID_PUBLIC_KEY, WEB_PUSH_VAPID_PRIVATE_KEY: set both or neither');
    return undefined;
  }
  if (subject === undefined) problems.push('WEB_PUSH_SUBJECT: must be set with the VAPID keys, a contact push services can reach');
  const publicBytes = base64url(publicKey);
  const privateBytes = base64url(privateKey);
  if (publicBytes?.length !== 65 || publicBytes[0] !== 0x04) {
    problems.push('WEB_PUSH_VAPID_PUBLIC_KEY: must be an uncompressed P-256 public key, 65 bytes in base64url');
  } else if (privateBytes?.length !== 32) {
    problems.push('WEB_PUSH_VAPID_PRIVATE_KEY: must be a P-256 private key, 32 bytes in base64url');
  } else if (!publicOf(privateBytes)?.equals(publicBytes)) {
    problems.push('WEB_PUSH_VAPID_PRIVATE_KEY: is not the private half of WEB_PUSH_VAPID_PUBLIC_KEY');
  }
  return problems.length === count && subject !== undefined ? { publicKey, privateKey, subject, keySource: 'environment' } : undefined;
}

function fcmConfig(env: PushEnv, problems: string[]): PushConfig['fcm'] {
  const file = env.FCM_SERVICE_ACCOUNT_FILE;
  if (file === undefined) {
    const stray = (['FCM_ENDPOINT', 'FCM_TOKEN_ENDPOINT'] as const).filter((name) => env[name] !== undefined);
    if (stray.length > 0) problems.push(`${stray.join(', ')}: set without FCM_SERVICE_ACCOUNT_FILE`);
    return undefined;
  }
  const text = readFile('FCM_SERVICE_ACCOUNT_FILE', file, problems);
  if (text === undefined) return undefined;
  let account: Record<string, unknown>;
  try {
    account = JSON.parse(text) as Record<string, unknown>;
  } catch {
    problems.push(`FCM_SERVICE_ACCOUNT_FILE: ${file} is not JSON`);
    return undefined;
  }
  const { type, project_id: projectId, client_email: clientEmail, private_key: privateKeyPem } = account ?? {};
  if (type !== 'service_account' || typeof projectId !== 'string' || typeof clientEmail !== 'string' || typeof privateKeyPem !== 'string') {
    problems.push(`FCM_SERVICE_ACCOUNT_FILE: ${file} is not a service account key (type "service_account", project_id, client_email, private_key)`);
    return undefined;
  }
  if (keyType(privateKeyPem)?.type !== 'rsa') {
    problems.push(`FCM_SERVICE_ACCOUNT_FILE: the private_key of ${file} is not an RSA private key in PEM`);
    return undefined;
  }
  return {
    projectId,
    clientEmail,
    privateKeyPem,
    endpoint: env.FCM_ENDPOINT ?? DEFAULT_FCM_ENDPOINT,
    tokenEndpoint: env.FCM_TOKEN_ENDPOINT ?? DEFAULT_FCM_TOKEN_ENDPOINT,
  };
}

const APNS_SET = ['APNS_KEY_FILE', 'APNS_KEY_ID', 'APNS_TEAM_ID', 'APNS_TOPIC'] as const;

function apnsConfig(env: PushEnv, problems: string[]): PushConfig['apns'] {
  const missing = APNS_SET.filter((name) => env[name] === undefined);
  if (missing.length === APNS_SET.length) {
    if (env.APNS_ENDPOINT !== undefined) problems.push(`APNS_ENDPOINT: set without ${APNS_SET.join(', ')}`);
    return undefined;
  }
  if (missing.length > 0) {
    problems.push(`${missing.join(', ')}: must be set with ${APNS_SET.filter((n) => !missing.includes(n)).join(', ')} (all four or none)`);
    return undefined;
  }
  const { APNS_KEY_FILE: file, APNS_KEY_ID: keyId, APNS_TEAM_ID: teamId, APNS_TOPIC: topic } = env as Required<PushEnv>;
  const count = problems.length;
  // Apple's key and team ids are ten upper-case letters and digits: a typo shows here, not as every push refused.
  if (!/^[A-Z0-9]{10}$/.test(keyId)) problems.push('APNS_KEY_ID: must be the ten-character id of the key');
  if (!/^[A-Z0-9]{10}$/.test(teamId)) problems.push('APNS_TEAM_ID: must be the ten-character id of the team');
  if (!/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(topic)) problems.push('APNS_TOPIC: must be the app’s bundle id, such as com.example.app');
  const privateKeyPem = readFile('APNS_KEY_FILE', file, problems);
  const key = privateKeyPem === undefined ? undefined : keyType(privateKeyPem);
  if (privateKeyPem !== undefined && (key?.type !== 'ec' || key.curve !== 'prime256v1')) {
    problems.push(`APNS_KEY_FILE: ${file} is not a P-256 private key in PEM (an AuthKey_<id>.p8 file)`);
  }
  if (problems.length > count || privateKeyPem === undefined) return undefined;
  const endpoint = env.APNS_ENDPOINT;
  return { keyId, teamId, privateKeyPem, topic, endpoints: endpoint === undefined ? APNS_ENDPOINTS : { production: endpoint, sandbox: endpoint } };
}

function readFile(name: string, file: string, problems: string[]): string | undefined {
  try {
    return fs.readFileSync(path.resolve(file), 'utf8');
  } catch (error) {
    problems.push(`${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    return undefined;
  }
}

function keyType(pem: string): { type: string | undefined; curve: string | undefined } | undefined {
  try {
    const key = createPrivateKey(pem);
    return { type: key.asymmetricKeyType, curve: key.asymmetricKeyDetails?.namedCurve };
  } catch {
    // Not a key at all: the caller names the variable.
    return undefined;
  }
}

function base64url(text: string): Buffer | undefined {
  return /^[A-Za-z0-9_-]+$/.test(text) ? Buffer.from(text, 'base64url') : undefined;
}

function publicOf(privateKey: Buffer): Buffer | undefined {
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(privateKey);
    return ecdh.getPublicKey();
  } catch {
    // Out of the curve's range: not a private key.
    return undefined;
  }
}
