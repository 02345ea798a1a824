/**
 * Every error a client can act on carries one of these stable codes. The code is
 * the contract; the message is for humans and may change.
 */
export const ErrorCode = {
  // input
  INVALID_BODY: 'INVALID_BODY',
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  UNKNOWN_MESSAGE_TYPE: 'UNKNOWN_MESSAGE_TYPE',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  NOT_FOUND: 'NOT_FOUND',
  /** A request path with dot segments, doubled slashes or encoded separators: refused before routing. */
  INVALID_PATH: 'INVALID_PATH',

  // accounts and tokens
  EMAIL_TAKEN: 'EMAIL_TAKEN',
  /** A password being set is common or easily guessed, or contains the account's email. */
  PASSWORD_TOO_WEAK: 'PASSWORD_TOO_WEAK',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  TOKEN_MISSING: 'TOKEN_MISSING',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  TOKEN_INVALID: 'TOKEN_INVALID',
  /** The access token was revoked: a log-out, a reused refresh token or a ban. */
  TOKEN_REVOKED: 'TOKEN_REVOKED',
  REFRESH_TOKEN_INVALID: 'REFRESH_TOKEN_INVALID',
  REFRESH_TOKEN_REUSED: 'REFRESH_TOKEN_REUSED',
  ACCOUNT_BANNED: 'ACCOUNT_BANNED',

  // rooms
  NOT_YOUR_SESSION: 'NOT_YOUR_SESSION',
  INVALID_ROOM_OPTIONS: 'INVALID_ROOM_OPTIONS',
  NODE_DRAINING: 'NODE_DRAINING',

  // cards and swipes
  CARD_NOT_FOUND: 'CARD_NOT_FOUND',
  NOT_YOUR_CARD: 'NOT_YOUR_CARD',
  PERSON_CARD_EXISTS: 'PERSON_CARD_EXISTS',
  RECRUITER_ONLY: 'RECRUITER_ONLY',
  CARD_LIMIT_REACHED: 'CARD_LIMIT_REACHED',
  SELF_SWIPE: 'SELF_SWIPE',
  CARD_INACTIVE: 'CARD_INACTIVE',
  CARD_BANNED: 'CARD_BANNED',
  INCOMPATIBLE_CARDS: 'INCOMPATIBLE_CARDS',
  BLOCKED: 'BLOCKED',
  LIKE_QUOTA_EXCEEDED: 'LIKE_QUOTA_EXCEEDED',
  PREMIUM_REQUIRED: 'PREMIUM_REQUIRED',
  NOTHING_TO_REWIND: 'NOTHING_TO_REWIND',

  // chat threads
  MATCH_NOT_FOUND: 'MATCH_NOT_FOUND',
  NOT_A_MEMBER: 'NOT_A_MEMBER',
  UNMATCHED: 'UNMATCHED',
  THREAD_CLOSED: 'THREAD_CLOSED',
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  MESSAGE_NOT_FOUND: 'MESSAGE_NOT_FOUND',
  NOT_YOUR_MESSAGE: 'NOT_YOUR_MESSAGE',
  /** The node holding an actor stopped answering; retry and the actor comes back elsewhere. */
  ACTOR_UNAVAILABLE: 'ACTOR_UNAVAILABLE',
  /** Only the recruiter who owns a match's job card adds or removes its colleagues. */
  NOT_THE_JOB_OWNER: 'NOT_THE_JOB_OWNER',
  /** A colleague must be a recruiter of the job owner's own company. */
  NOT_SAME_COMPANY: 'NOT_SAME_COMPANY',
  /**
   * A recruiter of the company who cannot join this thread: banned, or apart from one of
   * its two people (a block either way, or a match that ended); one answer, never which.
   */
  COLLEAGUE_NOT_ADDABLE: 'COLLEAGUE_NOT_ADDABLE',
  /** The account is in the thread already (a party or a colleague). */
  ALREADY_MEMBER: 'ALREADY_MEMBER',
  COLLEAGUE_LIMIT_REACHED: 'COLLEAGUE_LIMIT_REACHED',
  /** The account is one of the two matched people, not a colleague: they leave by unmatching. */
  NOT_A_COLLEAGUE: 'NOT_A_COLLEAGUE',
  /** Only the two matched people unmatch; a colleague leaves the thread instead. */
  NOT_A_PARTY: 'NOT_A_PARTY',
  /** A recruiter's company is another one already: an operator removes them from it first. */
  ALREADY_IN_COMPANY: 'ALREADY_IN_COMPANY',

  // calls
  CALL_NOT_FOUND: 'CALL_NOT_FOUND',
  NOT_IN_CALL: 'NOT_IN_CALL',
  NOT_THE_CALLEE: 'NOT_THE_CALLEE',
  NOT_THE_CALLER: 'NOT_THE_CALLER',
  CALL_NOT_RINGING: 'CALL_NOT_RINGING',
  CALL_OVER: 'CALL_OVER',
  CALL_IN_PROGRESS: 'CALL_IN_PROGRESS',
  /** A person is on one call at a time: they have another live call (a start) or another answered or outgoing one (an answer). */
  ALREADY_IN_CALL: 'ALREADY_IN_CALL',
  /** The person called is on an answered call with someone else, like a busy line. */
  CALLEE_BUSY: 'CALLEE_BUSY',
  /** The cluster's simultaneous-call cap is reached. */
  CALL_CAP_REACHED: 'CALL_CAP_REACHED',
  /** A push target for a platform this deployment has no provider for. */
  PUSH_PLATFORM_DISABLED: 'PUSH_PLATFORM_DISABLED',
  PUSH_ENDPOINT_REFUSED: 'PUSH_ENDPOINT_REFUSED',
  /** A LiveKit webhook whose signature, body hash or freshness does not hold. */
  WEBHOOK_REFUSED: 'WEBHOOK_REFUSED',

  // live events
  EVENT_NOT_FOUND: 'EVENT_NOT_FOUND',
  NOT_REGISTERED: 'NOT_REGISTERED',
  EVENT_NOT_OPEN: 'EVENT_NOT_OPEN',
  EVENT_ENDED: 'EVENT_ENDED',
  EVENT_FULL: 'EVENT_FULL',
  /** A host holds MAX_UPCOMING_EVENTS_PER_HOST events not yet over. */
  EVENT_LIMIT_REACHED: 'EVENT_LIMIT_REACHED',
  NOT_A_HOST: 'NOT_A_HOST',
  NOT_ATTENDING: 'NOT_ATTENDING',
  /** Slow mode, or a large event's chat at its pace: the attendee's next event chat message waits (`retryAfterMs`). */
  SLOW_MODE: 'SLOW_MODE',
  IN_BREAKOUT: 'IN_BREAKOUT',
  /** A host removed this person from the event: they cannot come back in. */
  REMOVED_FROM_EVENT: 'REMOVED_FROM_EVENT',

  // discovery
  /** A lobby is open only to people whose current location is in its cell. */
  NOT_IN_CELL: 'NOT_IN_CELL',
  /** A deck needs a location: send location.update first. */
  LOCATION_UNKNOWN: 'LOCATION_UNKNOWN',
  /** A location update farther from the last one than anyone could have travelled since (`retryAfterMs`). */
  LOCATION_IMPLAUSIBLE: 'LOCATION_IMPLAUSIBLE',

  // operators
  FORBIDDEN: 'FORBIDDEN',
  /** The report was resolved already (by another operator, or a retry): nothing changed. */
  REPORT_RESOLVED: 'REPORT_RESOLVED',
  /** The action does not fit the report (removing a message of a profile report, or one the reported person did not send). */
  ACTION_NOT_APPLICABLE: 'ACTION_NOT_APPLICABLE',
  /** The reporter has MAX_OPEN_REPORTS_PER_REPORTER reports open: the moderators resolve some first. */
  REPORT_LIMIT_REACHED: 'REPORT_LIMIT_REACHED',

  // generic
  RATE_LIMITED: 'RATE_LIMITED',
  /** The person holds as many connections to this actor as anyone may (MAX_CONNECTIONS_PER_ACTOR): close one first. */
  CONNECTION_LIMIT_REACHED: 'CONNECTION_LIMIT_REACHED',
  /**
   * Postgres or Redis cannot be reached, or this node is cut off from the cluster:
   * nothing was acknowledged; retry after `retryAfterMs` (the same ids make a
   * resend safe), through any node.
   */
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status that each code maps to when it leaves through an HTTP route. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  INVALID_BODY: 400,
  INVALID_MESSAGE: 400,
  UNKNOWN_MESSAGE_TYPE: 400,
  PAYLOAD_TOO_LARGE: 413,
  NOT_FOUND: 404,
  INVALID_PATH: 400,
  EMAIL_TAKEN: 409,
  PASSWORD_TOO_WEAK: 400,
  INVALID_CREDENTIALS: 401,
  TOKEN_MISSING: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_INVALID: 401,
  TOKEN_REVOKED: 401,
  REFRESH_TOKEN_INVALID: 401,
  REFRESH_TOKEN_REUSED: 401,
  ACCOUNT_BANNED: 403,
  NOT_YOUR_SESSION: 403,
  INVALID_ROOM_OPTIONS: 400,
  NODE_DRAINING: 503,
  CARD_NOT_FOUND: 404,
  NOT_YOUR_CARD: 403,
  PERSON_CARD_EXISTS: 409,
  RECRUITER_ONLY: 403,
  CARD_LIMIT_REACHED: 409,
  SELF_SWIPE: 400,
  CARD_INACTIVE: 409,
  CARD_BANNED: 409,
  INCOMPATIBLE_CARDS: 400,
  BLOCKED: 403,
  LIKE_QUOTA_EXCEEDED: 429,
  PREMIUM_REQUIRED: 402,
  NOTHING_TO_REWIND: 409,
  MATCH_NOT_FOUND: 404,
  NOT_A_MEMBER: 403,
  UNMATCHED: 410,
  THREAD_CLOSED: 410,
  MESSAGE_TOO_LARGE: 413,
  MESSAGE_NOT_FOUND: 404,
  NOT_YOUR_MESSAGE: 403,
  ACTOR_UNAVAILABLE: 503,
  NOT_THE_JOB_OWNER: 403,
  NOT_SAME_COMPANY: 403,
  COLLEAGUE_NOT_ADDABLE: 403,
  ALREADY_MEMBER: 409,
  COLLEAGUE_LIMIT_REACHED: 409,
  NOT_A_COLLEAGUE: 409,
  NOT_A_PARTY: 403,
  ALREADY_IN_COMPANY: 409,
  CALL_NOT_FOUND: 404,
  NOT_IN_CALL: 403,
  NOT_THE_CALLEE: 403,
  NOT_THE_CALLER: 403,
  CALL_NOT_RINGING: 409,
  CALL_OVER: 409,
  CALL_IN_PROGRESS: 409,
  ALREADY_IN_CALL: 409,
  CALLEE_BUSY: 409,
  CALL_CAP_REACHED: 503,
  PUSH_PLATFORM_DISABLED: 400,
  PUSH_ENDPOINT_REFUSED: 400,
  WEBHOOK_REFUSED: 401,
  EVENT_NOT_FOUND: 404,
  NOT_REGISTERED: 403,
  EVENT_NOT_OPEN: 409,
  EVENT_ENDED: 410,
  EVENT_FULL: 409,
  EVENT_LIMIT_REACHED: 409,
  NOT_A_HOST: 403,
  NOT_ATTENDING: 404,
  SLOW_MODE: 429,
  IN_BREAKOUT: 409,
  REMOVED_FROM_EVENT: 403,
  NOT_IN_CELL: 403,
  LOCATION_UNKNOWN: 409,
  LOCATION_IMPLAUSIBLE: 429,
  FORBIDDEN: 403,
  REPORT_RESOLVED: 409,
  ACTION_NOT_APPLICABLE: 409,
  REPORT_LIMIT_REACHED: 409,
  RATE_LIMITED: 429,
  CONNECTION_LIMIT_REACHED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** What an UNAVAILABLE refusal tells a client to wait before it retries. */
export const UNAVAILABLE_RETRY_AFTER_MS = 1_000;

/** The refusal of work that needs a dependency this node cannot reach now (`dependency`: `database`, `redis`, `cluster`). */
export function unavailable(dependency: string, cause?: unknown): AppError {
  return new AppError(ErrorCode.UNAVAILABLE, `${dependency} is unavailable; retry shortly (a resend with the same ids is stored once)`, {
    cause,
    retryAfterMs: UNAVAILABLE_RETRY_AFTER_MS,
  });
}

/** Whether the error is such a refusal: a dependency did not answer, and the work may be tried again. */
export function isUnavailable(error: unknown): boolean {
  return error instanceof AppError && error.code === ErrorCode.UNAVAILABLE;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ErrorCode, value);
}

/** An AppError as it travels between processes: what `toJSON` writes and `fromJSON` reads back. */
export interface CodedErrorJson {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryAfterMs?: number;
}

export function isCodedErrorJson(value: unknown): value is CodedErrorJson {
  const v = value as Partial<CodedErrorJson> | null;
  return typeof v === 'object' && v !== null && isErrorCode(v.code) && typeof v.message === 'string';
}

/**
 * The one error type of Kismet. Wherever an error leaves a process it goes as
 * JSON (`toJSON`: the code, the message, when to retry), and comes back as
 * itself (`fromJSON`): in HTTP bodies, room messages, and the answers of one
 * node's actor to another's (rooms/remoteAnswer, since Colyseus's IPC keeps only
 * the message of an error thrown across it).
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  /** For refusals that pass with time (RATE_LIMITED): when to try again. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.retryAfterMs = options?.retryAfterMs;
  }

  toJSON(): CodedErrorJson {
    return this.retryAfterMs === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, retryAfterMs: this.retryAfterMs };
  }

  static fromJSON(json: CodedErrorJson): AppError {
    return new AppError(json.code, json.message, json.retryAfterMs === undefined ? undefined : { retryAfterMs: json.retryAfterMs });
  }
}
