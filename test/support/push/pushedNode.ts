import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import webpush from 'web-push';
import type { WebPushTarget } from '../../../domain/push/notification';
import { command, disconnect, requestJson, waitUntil } from '../accounts';
import { joinThread, replyOf, type Person } from '../matches';
import { testCertificate } from './tlsStandIn';
import { WebPushService, type ReceivedWebPush } from './webPushService';

/**
 * A Web Push stand-in and what a node needs to push to it: VAPID keys and a
 * file with the stand-in's certificate for NODE_EXTRA_CA_CERTS. `env` is filled
 * in a `before` hook registered here, so register this before the node's hooks.
 */
export function useWebPushStandIn(): { readonly env: Record<string, string>; readonly service: WebPushService } {
  const env: Record<string, string> = {};
  const service = new WebPushService();
  let dir: string | undefined;
  before(async () => {
    const certificate = await testCertificate();
    await service.listen(certificate);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kismet-push-'));
    const caFile = path.join(dir, 'ca.pem');
    fs.writeFileSync(caFile, certificate.cert);
    const keys = webpush.generateVAPIDKeys();
    Object.assign(env, {
      NODE_EXTRA_CA_CERTS: caFile,
      WEB_PUSH_VAPID_PUBLIC_KEY: keys.publicKey,
      WEB_PUSH_VAPID_PRIVATE_KEY: keys.privateKey,
      WEB_PUSH_SUBJECT: 'mailto:ops@kismet.test',
      WEB_PUSH_ENDPOINT_HOSTS: new URL(service.origin).hostname,
    });
  });
  after(async () => {
    await service.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return { env, service };
}

/** Subscribes a "browser" with the node's VAPID key and registers it as `deviceId`'s target. */
export async function registerWebPush(baseUrl: string, service: WebPushService, user: { accessToken: string }, deviceId: string): Promise<WebPushTarget> {
  const key = await requestJson<{ publicKey: string }>(baseUrl, 'GET', '/push/vapid-public-key');
  if (key.status !== 200) throw new Error(`vapid key: ${key.status}`);
  const target = service.subscribe(key.body.publicKey);
  const put = await requestJson(baseUrl, 'PUT', `/me/devices/${deviceId}/push`, {
    token: user.accessToken,
    body: { platform: 'webpush', subscription: { endpoint: target.endpoint, keys: target.keys } },
  });
  if (put.status !== 200) throw new Error(`register push: ${put.status} ${JSON.stringify(put.body)}`);
  return target;
}

/** The pushes the stand-in accepted for one subscription. */
export function pushesTo(service: WebPushService, target: WebPushTarget): ReceivedWebPush[] {
  return service.received.filter((p) => p.endpoint === target.endpoint);
}

export type PushPayload = { readonly id: string; readonly title: string; readonly body: string; readonly badge?: number; readonly collapseKey: string; readonly data: Record<string, unknown> };

/** The decrypted payloads the stand-in accepted for one subscription, of one event type. */
export function payloadsTo(service: WebPushService, target: WebPushTarget, type?: string): PushPayload[] {
  return pushesTo(service, target)
    .map((p) => p.payload as PushPayload)
    .filter((p) => type === undefined || p.data['type'] === type);
}

/** The sum of a node's counter over every line that matches (0 when none does). */
export async function counterSum(node: { readonly url: string }, line: RegExp): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return text.split('\n').filter((l) => !l.startsWith('#') && line.test(l)).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** Waits until the node's worker has finished `count` pushes without sending them, for `reason`. */
export async function skippedPushes(node: { readonly url: string }, reason: string, count: number): Promise<void> {
  const line = new RegExp(`^kismet_push_skipped_total\\{[^}]*reason="${reason}"`);
  await waitUntil(async () => (await counterSum(node, line)) >= count, 20_000, () => `${count} pushes skipped as ${reason}`);
}

/** Waits until the node hears the push outbox's notifications (and began hearing them `listens` times in all). */
export async function hearing(node: { readonly url: string }, listens = 1): Promise<void> {
  await waitUntil(
    async () => (await counterSum(node, /^kismet_push_outbox_notifications_heard[{ ]/)) === 1 && (await counterSum(node, /^kismet_push_outbox_listens_total[{ ]/)) >= listens,
    20_000,
    () => `the node hearing the push outbox's notifications (listens ${listens})`,
  );
}

/** One text message from `from` in the thread, through a connection opened and closed for it. */
export async function sendText(url: string, from: Person, matchId: string, clientMessageId: string): Promise<void> {
  const thread = await joinThread(url, from, matchId);
  try {
    replyOf(await command(thread.room, 'send', { clientMessageId, kind: 'text', body: 'hi' }));
  } finally {
    await disconnect(thread);
  }
}
