import assert from 'node:assert/strict';
import { decideColleagueAddition, decideColleagueRemoval, MAX_COLLEAGUES_PER_THREAD, type ColleagueAdditionFacts, type ColleagueRemovalFacts } from '../../domain/threadColleagues';

describe('threadColleagues', () => {
  describe('decideColleagueAddition', () => {
    const allowed: ColleagueAdditionFacts = {
      status: 'active',
      callerRole: 'party',
      callerOwnsJob: true,
      jobCompanyId: 'acme',
      callerCompanyId: 'acme',
      colleague: { role: 'recruiter', banned: false, companyId: 'acme', inThread: false, apartFromParty: false },
      colleagueCount: 0,
    };
    const codeOf = (change: Partial<ColleagueAdditionFacts>, colleague: Partial<NonNullable<ColleagueAdditionFacts['colleague']>> = {}) =>
      decideColleagueAddition({ ...allowed, ...change, colleague: 'colleague' in change ? change.colleague : { ...allowed.colleague!, ...colleague } })?.code ?? 'ok';

    it('lets the job owner add a recruiter of their company to an active thread', () => {
      assert.equal(codeOf({}), 'ok');
      assert.equal(codeOf({ colleagueCount: MAX_COLLEAGUES_PER_THREAD - 1 }), 'ok');
    });

    it('refuses each case with its code', () => {
      const cases: Array<[string, string, Partial<ColleagueAdditionFacts>, Partial<NonNullable<ColleagueAdditionFacts['colleague']>>?]> = [
        ['no such match', 'MATCH_NOT_FOUND', { status: undefined, callerRole: undefined }],
        ['a caller outside the thread', 'MATCH_NOT_FOUND', { callerRole: undefined }],
        ['the candidate', 'NOT_THE_JOB_OWNER', { callerOwnsJob: false }],
        ['a colleague adding another', 'NOT_THE_JOB_OWNER', { callerRole: 'colleague', callerOwnsJob: false }],
        ['an unmatched thread', 'THREAD_CLOSED', { status: 'unmatched' }],
        ['a blocked thread', 'THREAD_CLOSED', { status: 'blocked' }],
        ['no such account', 'NOT_FOUND', { colleague: undefined }],
        ['someone in the thread (the candidate, or a colleague again)', 'ALREADY_MEMBER', {}, { inThread: true }],
        ['a banned account', 'COLLEAGUE_NOT_ADDABLE', {}, { banned: true }],
        ['another company', 'NOT_SAME_COMPANY', {}, { companyId: 'globex' }],
        ['an account in no company', 'NOT_SAME_COMPANY', {}, { companyId: undefined }],
        ['an owner in no company', 'NOT_SAME_COMPANY', { callerCompanyId: undefined }, { companyId: undefined }],
        ['a job posted by a recruiter in no company', 'NOT_SAME_COMPANY', { jobCompanyId: undefined, callerCompanyId: undefined }, { companyId: undefined }],
        ['a job posted in no company, its owner in one now', 'NOT_SAME_COMPANY', { jobCompanyId: undefined }],
        ['an owner who moved to another company, adding a recruiter of it', 'NOT_SAME_COMPANY', { callerCompanyId: 'globex' }, { companyId: 'globex' }],
        ['an owner who left the job’s company, adding a recruiter of it', 'NOT_SAME_COMPANY', { callerCompanyId: undefined }],
        ['a member account (not a recruiter)', 'NOT_SAME_COMPANY', {}, { role: 'member' }],
        ['someone apart from a party (a block either way, a match that ended)', 'COLLEAGUE_NOT_ADDABLE', {}, { apartFromParty: true }],
        ['a full thread', 'COLLEAGUE_LIMIT_REACHED', { colleagueCount: MAX_COLLEAGUES_PER_THREAD }],
      ];
      for (const [what, code, change, colleague] of cases) assert.equal(codeOf(change, colleague), code, what);
    });

    it('answers a banned account and one apart from a party alike, so that a block is never told', () => {
      assert.deepEqual(
        decideColleagueAddition({ ...allowed, colleague: { ...allowed.colleague!, apartFromParty: true } }),
        decideColleagueAddition({ ...allowed, colleague: { ...allowed.colleague!, banned: true } }),
      );
    });

    it('tells whether an account cannot be added only of a recruiter of the caller’s company', () => {
      const outsiders: Array<[string, Partial<ColleagueAdditionFacts>, Partial<NonNullable<ColleagueAdditionFacts['colleague']>>]> = [
        ['another company', {}, { companyId: 'globex' }],
        ['no company', {}, { companyId: undefined }],
        ['an owner in no company', { callerCompanyId: undefined }, { companyId: undefined }],
        ['a member account of the company', {}, { role: 'member' }],
        ['a recruiter of the company the job’s owner moved to', { callerCompanyId: 'globex' }, { companyId: 'globex' }],
      ];
      for (const [what, change, colleague] of outsiders) {
        assert.equal(codeOf(change, { ...colleague, banned: true }), 'NOT_SAME_COMPANY', `banned, ${what}`);
        assert.equal(codeOf(change, { ...colleague, apartFromParty: true }), 'NOT_SAME_COMPANY', `apart from a party, ${what}`);
      }
      assert.equal(codeOf({}, { banned: true }), 'COLLEAGUE_NOT_ADDABLE', 'a colleague of the company');
    });
  });

  describe('decideColleagueRemoval', () => {
    const owner: ColleagueRemovalFacts = { status: 'active', callerId: 'owner', callerRole: 'party', callerOwnsJob: true, targetId: 'col', targetRole: 'colleague' };
    const codeOf = (change: Partial<ColleagueRemovalFacts>) => decideColleagueRemoval({ ...owner, ...change })?.code ?? 'ok';

    it('lets the owner remove a colleague, and a colleague leave', () => {
      assert.equal(codeOf({}), 'ok');
      assert.equal(codeOf({ callerId: 'col', callerRole: 'colleague', callerOwnsJob: false }), 'ok');
    });

    it('refuses each case with its code', () => {
      const cases: Array<[string, string, Partial<ColleagueRemovalFacts>]> = [
        ['no such match', 'MATCH_NOT_FOUND', { status: undefined, callerRole: undefined }],
        ['a caller outside the thread', 'MATCH_NOT_FOUND', { callerRole: undefined }],
        ['the candidate removing a colleague', 'NOT_THE_JOB_OWNER', { callerId: 'cand', callerOwnsJob: false }],
        ['a colleague removing another', 'NOT_THE_JOB_OWNER', { callerId: 'col2', callerRole: 'colleague', callerOwnsJob: false }],
        ['a closed thread', 'THREAD_CLOSED', { status: 'unmatched' }],
        ['someone not in the thread', 'NOT_A_MEMBER', { targetRole: undefined }],
        ['the candidate', 'NOT_A_COLLEAGUE', { targetId: 'cand', targetRole: 'party' }],
        ['the owner leaving by this route', 'NOT_A_COLLEAGUE', { targetId: 'owner', targetRole: 'party' }],
      ];
      for (const [what, code, change] of cases) assert.equal(codeOf(change), code, what);
    });

    it('lets a colleague who left the company out of a closed thread too', () => {
      const leaving: Partial<ColleagueRemovalFacts> = { callerId: 'col', callerRole: 'colleague', callerOwnsJob: false, companyExit: true };
      assert.equal(codeOf({ ...leaving, status: 'blocked' }), 'ok');
      assert.equal(codeOf({ ...leaving, status: 'unmatched' }), 'ok');
      assert.equal(codeOf({ ...leaving, status: 'blocked', callerRole: undefined }), 'MATCH_NOT_FOUND', 'a place already left');
      assert.equal(codeOf({ ...leaving, companyExit: false, status: 'blocked' }), 'THREAD_CLOSED');
    });
  });
});
