import type { Kysely } from 'kysely';
import type { TemplatedApp } from 'uWebSockets.js';
import { deletePushTarget, savePushTarget, setPushPreviews } from '../../db/repositories/pushTargetRepository';
import type { Database } from '../../db/types';
import { AppError, ErrorCode } from '../../domain/errors';
import { isApnsDeviceToken } from '../../domain/push/apns';
import { MAX_PUSH_DEVICES, type PushPlatform, type PushTarget } from '../../domain/push/notification';
import { webPushEndpointAllowed, webPushTargetProblem } from '../../domain/push/webPush';
import { DeviceIdParam, PushSettingsBody, PushTargetBody, type VapidPublicKeyReply } from '../../contracts/push';
import { jsonReply, parseBody, route, type HttpCall, type RouteOptions } from './uwsHttp';
import type { SignedIn } from './signedIn';

/** A log-in session's id (a refresh-token family): a uuid, as the column that keeps it. */
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PushRouteDeps {
  readonly db: Kysely<Database>;
  /** Who signed a call, with their HTTP calls counted. */
  readonly signedIn: SignedIn;
  readonly now: () => Date;
  /** The platforms with a provider configured. */
  readonly platforms: ReadonlySet<PushPlatform>;
  readonly vapidPublicKey: string | undefined;
  /** Hosts a Web Push endpoint may be on: the node posts to it, so nowhere else. */
  readonly webPushEndpointHosts: readonly string[];
}

/** Where a device is reached when its app is closed: register, replace, remove; the Web Push key; the preview setting. */
export function mountPushRoutes(app: TemplatedApp, deps: PushRouteDeps, options: RouteOptions): void {
  const device = (call: HttpCall): string => {
    const id = DeviceIdParam.safeParse(call.params[0] ?? ''); // already decoded, once (uwsHttp)
    if (!id.success) throw new AppError(ErrorCode.INVALID_BODY, 'deviceId: 1–64 of A–Z a–z 0–9 . _ : -');
    return id.data;
  };

  route(app, 'put', '/me/devices/:deviceId/push', async (call) => {
    const claims = await deps.signedIn.claims(call);
    // Pushes reach a device while the log-in session that registered it is live: a token naming none
    // (Kismet signs none; only a tool holding the signing secret does) could register a device no sign-out or expiry ever ends.
    if (claims.sessionId === undefined || !SESSION_ID.test(claims.sessionId)) {
      throw new AppError(ErrorCode.TOKEN_INVALID, 'this access token names no log-in session: a push device is registered by a signed-in session');
    }
    const deviceId = device(call);
    const target = pushTarget(parseBody(PushTargetBody, call));
    if (target.platform === 'webpush' && !webPushEndpointAllowed(target.endpoint, deps.webPushEndpointHosts)) {
      throw new AppError(ErrorCode.PUSH_ENDPOINT_REFUSED, 'subscription: the endpoint is not on a push service this deployment accepts');
    }
    if (!deps.platforms.has(target.platform)) throw new AppError(ErrorCode.PUSH_PLATFORM_DISABLED, `${target.platform} pushes are not configured on this deployment`);
    const saved = await savePushTarget(deps.db, { userId: claims.userId, deviceId, target, sessionId: claims.sessionId, at: deps.now() }, MAX_PUSH_DEVICES);
    // Banned or deleted after its token was checked (the registration waited for the ban or erasure): as its token from now on.
    if (saved === undefined) throw new AppError(ErrorCode.ACCOUNT_BANNED, 'this account is banned or deleted');
    return jsonReply(200, { deviceId, platform: target.platform });
  }, options);

  route(app, 'del', '/me/devices/:deviceId/push', async (call) => {
    const userId = await deps.signedIn.userId(call);
    const deviceId = device(call);
    return jsonReply(200, { deviceId, removed: await deletePushTarget(deps.db, userId, deviceId) });
  }, options);

  route(app, 'put', '/me/push-settings', async (call) => {
    const userId = await deps.signedIn.userId(call);
    const body = parseBody(PushSettingsBody, call);
    await setPushPreviews(deps.db, userId, body.previews);
    return jsonReply(200, body);
  }, options);

  route(app, 'get', '/push/vapid-public-key', () => {
    if (deps.vapidPublicKey === undefined) throw new AppError(ErrorCode.PUSH_PLATFORM_DISABLED, 'Web Push is not configured on this deployment');
    const reply: VapidPublicKeyReply = { publicKey: deps.vapidPublicKey };
    return jsonReply(200, reply);
  }, options);
}

/** The body as a target, checked as each platform needs (INVALID_BODY with the reason). */
function pushTarget(body: PushTargetBody): PushTarget {
  switch (body.platform) {
    case 'webpush': {
      const target: PushTarget = { platform: 'webpush', endpoint: body.subscription.endpoint, keys: { p256dh: body.subscription.keys.p256dh, auth: body.subscription.keys.auth } };
      const problem = webPushTargetProblem(target);
      if (problem) throw new AppError(ErrorCode.INVALID_BODY, `subscription: ${problem}`);
      return target;
    }
    case 'fcm':
      return { platform: 'fcm', token: body.token };
    case 'apns':
      if (!isApnsDeviceToken(body.token)) throw new AppError(ErrorCode.INVALID_BODY, 'token: an APNs device token is hex');
      return { platform: 'apns', token: body.token, environment: body.environment };
  }
}
