import type { MatchStatus, Refusal } from './chatRules';
import { ErrorCode } from './errors';

/** The two matched people are a thread's parties; recruiters their job's owner added are colleagues. */
export type ThreadRole = 'party' | 'colleague';

/** A member of a thread as everyone in it sees them. */
export interface ThreadMember {
  readonly userId: string;
  readonly role: ThreadRole;
}

/** Colleagues one hiring thread holds at most, besides its two parties. */
export const MAX_COLLEAGUES_PER_THREAD = 10;

/** What decides whether a recruiter may add a colleague to a thread, read under the match's lock. */
export interface ColleagueAdditionFacts {
  /** The match, or undefined when there is none. */
  readonly status: MatchStatus | undefined;
  /** The caller's role in the thread, undefined when not a member. */
  readonly callerRole: ThreadRole | undefined;
  /** The caller owns the match's job card (a dating match has none). */
  readonly callerOwnsJob: boolean;
  /** The company the match's job card was posted for (its owner's when they posted it), if any. */
  readonly jobCompanyId: string | undefined;
  /** The caller's company now, if any. */
  readonly callerCompanyId: string | undefined;
  /** The account to add, undefined when there is none (or it was deleted). */
  readonly colleague:
    | {
        readonly role: string;
        readonly banned: boolean;
        readonly companyId: string | undefined;
        readonly inThread: boolean;
        /** The account and a party blocked each other, or were on the two sides of a match that ended (cardVisibility.ts `formerMatch`). */
        readonly apartFromParty: boolean;
      }
    | undefined;
  readonly colleagueCount: number;
}

/**
 * Only the recruiter who owns the match's job card adds, only while the match is
 * active, only while they belong to the company the job was posted for, only a
 * recruiter account of that company that is not in the thread already (the
 * candidate is), not banned, and apart from neither party: a job posted by a
 * recruiter in no company takes no colleagues, nor does one whose owner left its
 * company (for another, or none).
 * A banned account and one apart from a party get one answer, COLLEAGUE_NOT_ADDABLE,
 * so the owner never learns that a colleague and they, or a colleague and the
 * candidate, blocked each other (domain/blockDisclosure.ts); it is told only once
 * the account is known to be a recruiter of the caller's company: anyone else's
 * answer is NOT_SAME_COMPANY, whatever their standing. Undefined when the addition
 * may go ahead.
 */
export function decideColleagueAddition(f: ColleagueAdditionFacts): Refusal | undefined {
  if (f.status === undefined || f.callerRole === undefined) return { code: ErrorCode.MATCH_NOT_FOUND, message: 'no such match' };
  if (f.callerRole !== 'party' || !f.callerOwnsJob) return { code: ErrorCode.NOT_THE_JOB_OWNER, message: 'only the recruiter who owns the job of this match adds colleagues' };
  if (f.status !== 'active') return { code: ErrorCode.THREAD_CLOSED, message: `this thread is closed (${f.status})` };
  if (!f.colleague) return { code: ErrorCode.NOT_FOUND, message: 'no such account' };
  if (f.colleague.inThread) return { code: ErrorCode.ALREADY_MEMBER, message: 'that account is in this thread already' };
  // The company before the ban: whether an account is banned is told only about one's own colleagues.
  if (f.jobCompanyId === undefined || f.callerCompanyId !== f.jobCompanyId || f.colleague.companyId !== f.jobCompanyId || f.colleague.role !== 'recruiter') {
    return { code: ErrorCode.NOT_SAME_COMPANY, message: 'only recruiters of the company the job was posted for, yours, can be added' };
  }
  if (f.colleague.banned || f.colleague.apartFromParty) return { code: ErrorCode.COLLEAGUE_NOT_ADDABLE, message: 'that account cannot be added to this thread' };
  if (f.colleagueCount >= MAX_COLLEAGUES_PER_THREAD) return { code: ErrorCode.COLLEAGUE_LIMIT_REACHED, message: `a thread holds at most ${MAX_COLLEAGUES_PER_THREAD} colleagues` };
  return undefined;
}

/** What decides whether a colleague may be taken out of a thread. */
export interface ColleagueRemovalFacts {
  readonly status: MatchStatus | undefined;
  readonly callerId: string;
  readonly callerRole: ThreadRole | undefined;
  readonly callerOwnsJob: boolean;
  readonly targetId: string;
  readonly targetRole: ThreadRole | undefined;
  /**
   * The colleague is leaving because they left the company: their place goes even
   * from a thread whose match ended, or the candidate's conversation stays theirs to read.
   */
  readonly companyExit?: boolean;
}

/**
 * The job's owner removes any colleague; a colleague may leave on their own; a
 * party is never removed (they unmatch). A closed thread keeps its colleagues,
 * except one who left the company. Undefined when the removal may go ahead.
 */
export function decideColleagueRemoval(f: ColleagueRemovalFacts): Refusal | undefined {
  if (f.status === undefined || f.callerRole === undefined) return { code: ErrorCode.MATCH_NOT_FOUND, message: 'no such match' };
  const leaving = f.callerId === f.targetId;
  if (!leaving && !(f.callerRole === 'party' && f.callerOwnsJob)) {
    return { code: ErrorCode.NOT_THE_JOB_OWNER, message: 'only the recruiter who owns the job of this match removes colleagues' };
  }
  if (f.status !== 'active' && !f.companyExit) return { code: ErrorCode.THREAD_CLOSED, message: `this thread is closed (${f.status})` };
  if (f.targetRole === undefined) return { code: ErrorCode.NOT_A_MEMBER, message: 'that account is not in this thread' };
  if (f.targetRole !== 'colleague') return { code: ErrorCode.NOT_A_COLLEAGUE, message: 'the matched people leave a thread by unmatching' };
  return undefined;
}
