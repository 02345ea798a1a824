import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requestJson } from '../accounts';
import { ApnsService, type ReceivedApnsPush } from './apnsService';
import { FcmService, makeServiceAccount, type ReceivedFcmMessage } from './fcmService';
import type { PushPayload } from './pushedNode';
import { testCertificate } from './tlsStandIn';

const APNS_TEAM_ID = 'TEAM123456';
const APNS_KEY_ID = 'KEY1234567';
export const APNS_TOPIC = 'com.example.kismet';

/**
 * FCM (with Google's token endpoint) and APNs stand-ins, and what a node needs
 * to push to them: a service account file, an APNs signing key file, the
 * endpoint overrides and the stand-ins' certificate. `env` is filled in a
 * `before` hook registered here, so register this before the node's hooks.
 */
export function useNativePushStandIns(): { readonly env: Record<string, string>; readonly fcm: FcmService; readonly apns: ApnsService } {
  const env: Record<string, string> = {};
  const fcm = new FcmService();
  const account = makeServiceAccount('kismet-native');
  const apnsKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const apns = new ApnsService({ teamId: APNS_TEAM_ID, keys: new Map([[APNS_KEY_ID, apnsKey.publicKey]]), topics: [APNS_TOPIC] });
  let dir: string | undefined;
  before(async () => {
    const certificate = await testCertificate();
    await fcm.listen(certificate);
    await apns.listen(certificate);
    fcm.trust(account.key, account.publicKey);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-native-push-'));
    const file = (name: string, text: string) => {
      const at = path.join(dir!, name);
      fs.writeFileSync(at, text);
      return at;
    };
    Object.assign(env, {
      NODE_EXTRA_CA_CERTS: file('ca.pem', certificate.cert),
      FCM_SERVICE_ACCOUNT_FILE: file('service-account.json', JSON.stringify(account.key)),
      FCM_ENDPOINT: fcm.origin,
      FCM_TOKEN_ENDPOINT: fcm.tokenEndpoint,
      APNS_KEY_FILE: file(`AuthKey_${APNS_KEY_ID}.p8`, apnsKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      APNS_KEY_ID,
      APNS_TEAM_ID,
      APNS_TOPIC,
      APNS_ENDPOINT: apns.origin,
    });
  });
  after(async () => {
    await Promise.all([fcm.close(), apns.close()]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return { env, fcm, apns };
}

/** Registers an Android phone (a fresh FCM registration token) as `deviceId`'s target. */
export async function registerFcm(baseUrl: string, user: { accessToken: string }, deviceId: string): Promise<string> {
  const token = `fcm-${randomBytes(12).toString('base64url')}`;
  await putTarget(baseUrl, user, deviceId, { platform: 'fcm', token });
  return token;
}

/** Registers an iPhone (a fresh 32-byte APNs device token, production) as `deviceId`'s target. */
export async function registerApns(baseUrl: string, user: { accessToken: string }, deviceId: string): Promise<string> {
  const token = randomBytes(32).toString('hex');
  await putTarget(baseUrl, user, deviceId, { platform: 'apns', token, environment: 'production' });
  return token;
}

async function putTarget(baseUrl: string, user: { accessToken: string }, deviceId: string, body: unknown): Promise<void> {
  const put = await requestJson(baseUrl, 'PUT', `/me/devices/${deviceId}/push`, { token: user.accessToken, body });
  if (put.status !== 200) throw new Error(`register push: ${put.status} ${JSON.stringify(put.body)}`);
}

/** The FCM messages the stand-in accepted for one registration token, of one event type. */
export function fcmMessagesTo(service: FcmService, token: string, type: string): ReceivedFcmMessage[] {
  return service.received.map((r) => r.message).filter((m) => m.token === token && fcmPayloadOf(m).data['type'] === type);
}

/** What the app reads from an FCM data message: the notification's JSON data is whole in `data.payload`. */
export function fcmPayloadOf(message: ReceivedFcmMessage): Pick<PushPayload, 'id' | 'collapseKey' | 'data'> & { readonly badge?: number } {
  const data = message.data ?? {};
  return {
    id: data['id'] ?? '',
    collapseKey: data['collapseKey'] ?? '',
    data: JSON.parse(data['payload'] ?? '{}') as Record<string, unknown>,
    ...(data['badge'] === undefined ? {} : { badge: Number(data['badge']) }),
  };
}

/** The APNs pushes the stand-in accepted for one device token, of one event type. */
export function apnsPushesTo(service: ApnsService, token: string, type: string): ReceivedApnsPush[] {
  return service.received.filter((p) => p.deviceToken === token && apnsPayloadOf(p).data['type'] === type);
}

export function apnsPayloadOf(push: ReceivedApnsPush): { readonly aps: Record<string, unknown>; readonly id: string; readonly collapseKey: string; readonly data: Record<string, unknown> } {
  return push.payload as ReturnType<typeof apnsPayloadOf>;
}
