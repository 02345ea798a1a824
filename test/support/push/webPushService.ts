// The Web Push stand-in lives with the bench harness, which drives it too.
export * from '../../../loadtest/harness/push/webPushService';
