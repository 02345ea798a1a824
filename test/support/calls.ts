import { createHash, randomUUID } from 'node:crypto';
import { AccessToken } from 'livekit-server-sdk';
import { HARNESS_LIVEKIT } from '../../loadtest/harness/secrets';

/** A LiveKit webhook as LiveKit sends it: the JSON event and an Authorization JWT over its sha256. */
export async function signedWebhook(
  event: Record<string, unknown>,
  options: { apiKey?: string; secret?: string; createdAtS?: number; id?: string } = {},
): Promise<{ body: string; authorization: string }> {
  const body = JSON.stringify({ id: options.id ?? `EV_${randomUUID()}`, createdAt: String(options.createdAtS ?? Math.floor(Date.now() / 1000)), ...event });
  const token = new AccessToken(options.apiKey ?? HARNESS_LIVEKIT.apiKey, options.secret ?? HARNESS_LIVEKIT.apiSecret);
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return { body, authorization: await token.toJwt() };
}

export async function postWebhook(baseUrl: string, webhook: { body: string; authorization: string }): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${baseUrl}/livekit/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/webhook+json', authorization: webhook.authorization },
    body: webhook.body,
  });
  const answer = (await response.json()) as { code?: string };
  return { status: response.status, ...(answer.code ? { code: answer.code } : {}) };
}
