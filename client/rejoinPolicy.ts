import { KismetCloseCode } from '../contracts/messageTypes';

/**
 * Close codes after which PROTOCOL.md says "rejoin through any node": a dropped
 * connection (a node that died), a message over the size limit, a draining node,
 * an actor that moved, a fenced node, a connection closed for sending too many
 * messages (after a pause: rejoinPauseMs), and Colyseus's own codes for a broken
 * frame or a failed reconnection. Everything else (the client left, a ban, a closed
 * thread, a moved lobby, a removal from an event, an event's end) ends the connection for good.
 */
export const REJOIN_CLOSE_CODES: ReadonlySet<number> = new Set([
  1001, 1005, 1006, 1009, 1011, 1012, 1013, 4002, 4010,
  KismetCloseCode.NODE_DRAINING,
  KismetCloseCode.ACTOR_MOVED,
  KismetCloseCode.NODE_FENCED,
  KismetCloseCode.TOO_MANY_MESSAGES,
]);

export function shouldRejoin(closeCode: number): boolean {
  return REJOIN_CLOSE_CODES.has(closeCode);
}

export const REJOIN_FIRST_DELAY_MS = 500;
export const REJOIN_MAX_DELAY_MS = 10_000;

/**
 * How long to wait before the first rejoin after a close with `closeCode`: at once,
 * but after 4429 (the connection sent far more messages than its rate) the longest
 * backoff, so that an app whose loop floods its connection costs the node a few
 * hundred messages every 10 s, not a rejoin and a flood in a tight loop.
 */
export function rejoinPauseMs(closeCode: number): number {
  return closeCode === KismetCloseCode.TOO_MANY_MESSAGES ? REJOIN_MAX_DELAY_MS : 0;
}

/**
 * How long to wait before rejoin attempt `attempt` (0 is the first): at once, then
 * 0.5 s, 1 s, 2 s ... up to 10 s, each with up to a quarter of jitter either way,
 * and never sooner than an UNAVAILABLE refusal's `retryAfterMs`. `random` is in [0, 1).
 */
export function rejoinDelayMs(attempt: number, random: number, retryAfterMs = 0): number {
  if (attempt <= 0) return retryAfterMs;
  const base = Math.min(REJOIN_MAX_DELAY_MS, REJOIN_FIRST_DELAY_MS * 2 ** (attempt - 1));
  const jittered = Math.round(base * (0.75 + random * 0.5));
  return Math.max(retryAfterMs, Math.min(REJOIN_MAX_DELAY_MS, jittered));
}
