import { refused, type PushOutcome } from './outcome';

/**
 * What Kismet pushes to a device whose app is closed, and where: the same
 * notification goes to any platform, and each platform's shaping lives beside
 * it (webPush.ts, fcm.ts, apns.ts).
 */
export const PUSH_PLATFORMS = ['webpush', 'fcm', 'apns'] as const;
export type PushPlatform = (typeof PUSH_PLATFORMS)[number];

/** A browser's PushSubscription (its `toJSON()`): the push service's URL and the keys that encrypt for it. */
export interface WebPushTarget {
  readonly platform: 'webpush';
  readonly endpoint: string;
  /** Base64url: the subscription's P-256 public key (65 bytes) and its 16-byte auth secret. */
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

/** An FCM registration token of an Android (or Firebase) app. */
export interface FcmTarget {
  readonly platform: 'fcm';
  readonly token: string;
}

/** An APNs device token (hex); sandbox for development builds, production for the App Store and TestFlight. */
export interface ApnsTarget {
  readonly platform: 'apns';
  readonly token: string;
  readonly environment: 'production' | 'sandbox';
}

export type PushTarget = WebPushTarget | FcmTarget | ApnsTarget;
export type PushTargetOf<P extends PushPlatform> = Extract<PushTarget, { platform: P }>;

/**
 * The devices a person may have registered for pushes at once: every event they
 * are owed is pushed to each, so an account with thousands would make the
 * deployment send thousands of pushes for one like. A new one past it takes
 * the place of the one registered longest ago (an old phone whose app is gone).
 */
export const MAX_PUSH_DEVICES = 10;

export type PushPriority = 'normal' | 'high';

/**
 * One notification for one device. Times are absolute, so a row that waited in
 * an outbox is sent with what is left of its life, never more.
 *
 * @example
 * const ring: PushNotification = {
 *   id: 'Zq3…', collapseKey: 'call-8f2c…', priority: 'high', expiresAtMs: ringEndsAtMs,
 *   title: 'Ada is calling', body: '', data: { type: 'call.incoming', callId },
 * };
 */
export interface PushNotification {
  /**
   * Stable per (event, device): a redelivery carries the same id, so the app can
   * drop a repeat. URL-safe, at most 64 characters (see isValidPushId).
   */
  readonly id: string;
  /**
   * What the device collapses on: a newer notification with the same key replaces
   * the shown one (per thread for messages, per call for calls), and a repeat of
   * the same one collapses too. URL-safe, at most 32 characters, Web Push's limit
   * on `Topic`, the strictest of the three.
   */
  readonly collapseKey: string;
  readonly priority: PushPriority;
  /** After this instant (ms since the epoch) the notification is worth nothing and is not sent. */
  readonly expiresAtMs: number;
  /** The app icon's figure (unread count); left as it is when undefined. */
  readonly badge?: number;
  /** Both empty: a background push that wakes the app and shows nothing (unless there is a badge). */
  readonly title: string;
  readonly body: string;
  /** Small JSON the app reads: what happened and the ids it needs. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** The longest any of the three platforms keeps a notification waiting: 28 days. */
export const MAX_PUSH_TTL_S = 28 * 24 * 60 * 60;

const URL_SAFE = /^[A-Za-z0-9_-]+$/;
export const MAX_PUSH_ID_LENGTH = 64;
export const MAX_COLLAPSE_KEY_LENGTH = 32;

export function isValidPushId(id: string): boolean {
  return id.length <= MAX_PUSH_ID_LENGTH && URL_SAFE.test(id);
}

export function isValidCollapseKey(key: string): boolean {
  return key.length <= MAX_COLLAPSE_KEY_LENGTH && URL_SAFE.test(key);
}

/** Whether the notification shows something: text, or a new figure on the icon. */
export function isVisible(notification: PushNotification): boolean {
  return notification.title !== '' || notification.body !== '' || notification.badge !== undefined;
}

/**
 * Whole seconds the notification has left to live at `nowMs`, at most
 * MAX_PUSH_TTL_S; 0 once it has expired (then it is not sent at all).
 * Rounded up, so a notification with 300 ms left may still be delivered.
 */
export function remainingTtlS(expiresAtMs: number, nowMs: number): number {
  if (!(expiresAtMs > nowMs)) return 0;
  return Math.min(MAX_PUSH_TTL_S, Math.ceil((expiresAtMs - nowMs) / 1000));
}

/**
 * Why a notification cannot be sent at `nowMs` on any platform: expired, or
 * ids a platform would refuse. Undefined when it can.
 */
export function unsendable(notification: PushNotification, nowMs: number): { kind: 'refused'; outcome: PushOutcome } | undefined {
  if (remainingTtlS(notification.expiresAtMs, nowMs) === 0) return refused('expired', `expired ${nowMs - notification.expiresAtMs} ms ago`);
  if (!isValidPushId(notification.id)) return refused('bad-request', 'id is not URL-safe or longer than 64 characters');
  if (!isValidCollapseKey(notification.collapseKey)) return refused('bad-request', 'collapseKey is not URL-safe or longer than 32 characters');
  return undefined;
}
