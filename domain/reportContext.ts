/**
 * The reports one person may have open at once: each is stored and goes to the moderation
 * desk and the domain event bus, and anyone may register for any event (a context to name),
 * so a bound on how fast alone would still let one account fill the table over time. A
 * person has one report open per reported person; past this many, a new one waits until
 * the moderators resolve some.
 */
export const MAX_OPEN_REPORTS_PER_REPORTER = 50;

/** Where a reported thing happened, as `POST /reports` names it. */
export type ReportContextKind = 'profile' | 'message' | 'call' | 'event';

/** A report's context id read by its kind: a card, a message of a match, a call or an event. */
export type ReportContext =
  | { readonly kind: 'profile'; readonly cardId: string }
  | { readonly kind: 'message'; readonly matchId: string; readonly seq: number }
  | { readonly kind: 'call'; readonly callId: string }
  | { readonly kind: 'event'; readonly eventId: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A message's place in its thread: a positive whole number, no sign or leading zero, below 2^53. */
const SEQ = /^[1-9][0-9]{0,14}$/;

/** What each kind's id looks like, for the error a client reads. */
export const REPORT_CONTEXT_SHAPES: Readonly<Record<ReportContextKind, string>> = {
  profile: 'a card id',
  message: '<matchId>:<seq>',
  call: 'a call id',
  event: 'an event id',
};

/**
 * Reads a context id by its kind; undefined when it has not that kind's shape.
 * Ids come back lower-case and the sequence as a number, so one thing has one
 * written form (`contextIdOf`) whatever case or form the client sent.
 *
 * @example parseReportContext('message', 'A1…:7') // { kind: 'message', matchId: 'a1…', seq: 7 }
 */
export function parseReportContext(kind: ReportContextKind, contextId: string): ReportContext | undefined {
  if (kind === 'message') {
    const [matchId, seq, ...rest] = contextId.split(':');
    if (rest.length > 0 || !matchId || !seq || !UUID.test(matchId) || !SEQ.test(seq)) return undefined;
    return { kind, matchId: matchId.toLowerCase(), seq: Number(seq) };
  }
  if (!UUID.test(contextId)) return undefined;
  const id = contextId.toLowerCase();
  switch (kind) {
    case 'profile':
      return { kind, cardId: id };
    case 'call':
      return { kind, callId: id };
    case 'event':
      return { kind, eventId: id };
  }
}

/** The one written form of a context: what is stored, compared for repeats and sent in `report.filed`. */
export function contextIdOf(context: ReportContext): string {
  switch (context.kind) {
    case 'profile':
      return context.cardId;
    case 'message':
      return `${context.matchId}:${context.seq}`;
    case 'call':
      return context.callId;
    case 'event':
      return context.eventId;
  }
}
