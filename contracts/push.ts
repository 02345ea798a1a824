import { z } from 'zod';

/** Bodies of the push routes (`PUT /me/devices/{deviceId}/push`, `PUT /me/push-settings`). */

/** A browser's `PushSubscription.toJSON()`, as the service worker got it. */
const WebPushRegistration = z.strictObject({
  platform: z.literal('webpush'),
  subscription: z.object({
    endpoint: z.string().min(1).max(2048),
    keys: z.object({ p256dh: z.string().min(1).max(200), auth: z.string().min(1).max(100) }),
  }),
});

const FcmRegistration = z.strictObject({
  platform: z.literal('fcm'),
  token: z.string().regex(/^[A-Za-z0-9_:.-]{1,4096}$/, 'token: an FCM registration token'),
});

const ApnsRegistration = z.strictObject({
  platform: z.literal('apns'),
  token: z.string().min(1).max(200),
  environment: z.enum(['production', 'sandbox']),
});

export const PushTargetBody = z.discriminatedUnion('platform', [WebPushRegistration, FcmRegistration, ApnsRegistration]);
export type PushTargetBody = z.infer<typeof PushTargetBody>;

export const DeviceIdParam = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'deviceId: 1–64 of A–Z a–z 0–9 . _ : -');

export const PushSettingsBody = z.strictObject({
  /** Message text on the lock screen; off by default. */
  previews: z.boolean(),
});
export type PushSettingsBody = z.infer<typeof PushSettingsBody>;

/** `GET /push/vapid-public-key`: the key a web app passes as `applicationServerKey`. */
export interface VapidPublicKeyReply {
  readonly publicKey: string;
}
