import { ErrorCode } from './errors';
import { mediaUrlAllowed, type MediaHosts } from './hostNames';

/** Longest text body (and media caption), in characters. */
export const MAX_TEXT_CHARS = 4000;
/** Longest media reference. */
export const MAX_MEDIA_URL_CHARS = 2048;
/** History and catch-up pages: the default and the most one request gets. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** A member's "typing" goes out at most this often while they keep typing. */
export const TYPING_INTERVAL_MS = 3000;
/** How much of a text travels in `message.received` to a member who is not in the thread. */
export const MESSAGE_PREVIEW_CHARS = 120;

export type MatchStatus = 'active' | 'unmatched' | 'blocked';
export type MessageKind = 'text' | 'media';

/** One message of a thread, as stored and as delivered. Deleted messages keep their place with no content. */
export interface ChatMessage {
  readonly seq: number;
  readonly senderId: string;
  readonly clientMessageId: string;
  readonly kind: MessageKind;
  readonly body: string | null;
  readonly mediaUrl: string | null;
  /** When it was stored, ms since the epoch. */
  readonly at: number;
  readonly deleted: boolean;
}

export interface MessageContent {
  readonly kind: MessageKind;
  readonly body?: string | null | undefined;
  readonly mediaUrl?: string | null | undefined;
}

export interface Refusal {
  readonly code: ErrorCode;
  readonly message: string;
}

export interface ThreadAccessFacts {
  /** The match exists and the caller is one of its members. */
  readonly isMember: boolean;
  readonly status: MatchStatus | undefined;
  readonly blockedEitherWay: boolean;
  /** The caller blocked someone on the thread's other side. */
  readonly callerBlocked: boolean;
}

/**
 * Who may open a thread. A thread that does not exist and one the caller is not
 * in look the same, so ids cannot be probed; members learn why it is shut, a
 * block only the member who made it (domain/blockDisclosure.ts): to the others it is an unmatch.
 */
export function decideThreadAccess(facts: ThreadAccessFacts): Refusal | undefined {
  if (!facts.isMember || facts.status === undefined) return { code: ErrorCode.NOT_A_MEMBER, message: 'only the members of a match open its thread' };
  if ((facts.status === 'blocked' || facts.blockedEitherWay) && facts.callerBlocked) return { code: ErrorCode.BLOCKED, message: 'this thread is closed by your block' };
  if (facts.status !== 'active' || facts.blockedEitherWay) return { code: ErrorCode.UNMATCHED, message: 'this match has ended' };
  return undefined;
}

/** A message is a text, or a media reference (https, on the media hosts) with an optional caption. */
export function checkMessageContent(content: MessageContent, mediaHosts: MediaHosts): Refusal | undefined {
  const body = content.body ?? '';
  if (body.length > MAX_TEXT_CHARS) {
    return { code: ErrorCode.MESSAGE_TOO_LARGE, message: `body: at most ${MAX_TEXT_CHARS} characters` };
  }
  if (content.kind === 'text') {
    if (content.mediaUrl != null) return { code: ErrorCode.INVALID_MESSAGE, message: 'mediaUrl: only media messages carry one' };
    if (body.trim().length === 0) return { code: ErrorCode.INVALID_MESSAGE, message: 'body: a text message needs text' };
    return undefined;
  }
  const url = content.mediaUrl ?? '';
  if (url.length > MAX_MEDIA_URL_CHARS) {
    return { code: ErrorCode.MESSAGE_TOO_LARGE, message: `mediaUrl: at most ${MAX_MEDIA_URL_CHARS} characters` };
  }
  if (!mediaUrlAllowed(url, mediaHosts)) {
    return { code: ErrorCode.INVALID_MESSAGE, message: mediaHosts === 'any' ? 'mediaUrl: an https URL' : 'mediaUrl: an https URL on the app’s media hosts' };
  }
  return undefined;
}

/** What a member who is not in the thread sees of a new message. */
export function messagePreview(content: MessageContent): string {
  return content.kind === 'text' ? (content.body ?? '').slice(0, MESSAGE_PREVIEW_CHARS) : '';
}

/** The page size a request gets: the default when it names none, never more than the maximum. */
export function pageSize(requested: number | undefined): number {
  if (requested === undefined) return DEFAULT_PAGE_SIZE;
  return Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(requested)));
}

export interface TypingSent {
  readonly active: boolean;
  readonly atMs: number;
}

/**
 * Throttles typing indicators: "typing" again only after the interval, "stopped"
 * only when "typing" was the last thing the others heard.
 */
export function shouldRelayTyping(last: TypingSent | undefined, active: boolean, nowMs: number): boolean {
  if (!active) return last?.active === true;
  return last === undefined || !last.active || nowMs - last.atMs >= TYPING_INTERVAL_MS;
}

/** Only its sender deletes a message for everyone. */
export function decideMessageDeletion(message: { readonly senderId: string } | undefined, userId: string): Refusal | undefined {
  if (!message) return { code: ErrorCode.MESSAGE_NOT_FOUND, message: 'no message with that sequence in this thread' };
  if (message.senderId !== userId) return { code: ErrorCode.NOT_YOUR_MESSAGE, message: 'only the sender deletes a message for everyone' };
  return undefined;
}
