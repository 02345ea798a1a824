import assert from 'node:assert/strict';
import { cultureFit, experienceFit, isShown, matchScore, salaryFit, scoreParts, SHOW_THRESHOLD, tagCoverage } from '../../domain/matchScore';
import { wordSet, wordSetSimilarity } from '../../domain/textSimilarity';
import { NO_HIRING_FIELDS } from '../../domain/cardRules';
import { blankCard } from '../support/cards';

const close = (actual: number | null, expected: number) => assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${actual} ≈ ${expected}`);

// A hiring pair, every part present. Worked by hand:
//   tags      wanted ts 5, postgres 3, redis 2 (total 10); the person offers ts at 5 (×1.0), postgres at 1 (×0.3):
//             (5·1.0 + 3·0.3 + 2·0) / 10 = 0.59
//   years     10 against a minimum of 3: 2 years past the 5 that fit fully → 1 − 0.2 = 0.8
//   text      job {realtime, backend, engineer, chat, matching}, person {backend, engineer, building, realtime,
//             chat, systems}: 4 shared / √(5·6) = 0.7302967
//   salary    100–140k against 120–180k: overlap 20k over the narrower 40k = 0.5
//   culture   pace 0.8/0.6, size 0.2/0.2: mean gap 0.1 → 0.9
//   verified  the job is, the person is not
//   job → person: 40·0.59 + 20·0.8 + 15·0.7302967 + 10·0.5 + 10·0.9 + 5·0 = 64.554 → 64.6
//   person → job: the same + 5 = 69.554 → 69.6
const job = blankCard({
  id: 'job',
  kind: 'job',
  bio: 'Realtime backend engineer for chat and matching',
  tags: [{ tag: 'TS', weight: 5 }, { tag: 'postgres', weight: 3 }, { tag: 'redis', weight: 2 }],
  experienceYears: 3,
  salaryMin: 100_000,
  salaryMax: 140_000,
  culture: { pace: 0.8, size: 0.2 },
  verified: true,
});
const candidate = blankCard({
  id: 'candidate',
  kind: 'person',
  bio: 'Backend engineer building realtime chat systems',
  tags: [{ tag: 'ts', weight: 5 }, { tag: 'Postgres', weight: 1 }],
  experienceYears: 10,
  salaryMin: 120_000,
  salaryMax: 180_000,
  culture: { pace: 0.6, size: 0.2, remote: 1 },
});

// Two people: interests both ways, bios, and verification only.
//   tags   a wants hiking 5, jazz 3 (8); b has hiking at 3 (×0.7): 3.5/8 = 0.4375
//          b wants hiking 3, cooking 4 (7); a has hiking at 5 (×1.0): 3/7 = 0.4285714; mean 0.4330357
//   text   {weekend, hiker, jazz, fan} and {jazz, cooking, long, hikes}: 1/√16 = 0.25
//   b is verified. Weights that apply: 40 + 15 + 5 = 60
//   (40·0.4330357 + 15·0.25 + 5·1) / 60 = 26.0714286 / 60 = 43.452 → 43.5
const hiker = blankCard({ id: 'a', kind: 'person', bio: 'Weekend hiker and jazz fan', tags: [{ tag: 'hiking', weight: 5 }, { tag: 'jazz', weight: 3 }] });
const cook = blankCard({
  id: 'b',
  kind: 'person',
  bio: 'Jazz, cooking and long hikes',
  tags: [{ tag: 'hiking', weight: 3 }, { tag: 'cooking', weight: 4 }],
  verified: true,
});

describe('matchScore', () => {
  describe('a job and a candidate with every field', () => {
    it('works out each part', () => {
      const parts = scoreParts(job, candidate);
      close(parts.tags, 0.59);
      close(parts.experience, 0.8);
      close(parts.text, 4 / Math.sqrt(30));
      close(parts.salary, 0.5);
      close(parts.culture, 0.9);
      assert.equal(parts.verification, 0);
    });
    it('scores the candidate for the job at 64.6, and the job for the candidate at 69.6 (the job is verified)', () => {
      assert.equal(matchScore(job, candidate), 64.6);
      assert.equal(matchScore(candidate, job), 69.6);
    });
  });

  describe('two people', () => {
    it('counts interests both ways and leaves out the parts neither card has', () => {
      const parts = scoreParts(hiker, cook);
      close(parts.tags, (3.5 / 8 + 3 / 7) / 2);
      assert.deepEqual([parts.experience, parts.salary, parts.culture], [null, null, null]);
      close(parts.text, 0.25);
      assert.equal(matchScore(hiker, cook), 43.5);
      assert.equal(isShown(matchScore(hiker, cook)), false);
    });
  });

  describe('hiring fields', () => {
    // People are never shown each other's hiring fields: were culture scored between them, a dater
    // could set one trait of their own to 0 and then 1 and read another's answer off the two scores.
    const cultures: ReadonlyArray<Record<string, number>> = [{}, { pace: 0 }, { pace: 1 }, { pace: 0.3, hierarchy: 0.85 }];
    const hiring = { experienceYears: 4, salaryMin: 50_000, salaryMax: 90_000, remote: true, workAuthorizations: ['EU citizen'] };

    it('leave a score between two people the same whatever either card gives', () => {
      for (const mine of cultures) {
        for (const theirs of cultures) {
          const me = { ...hiker, ...hiring, culture: mine };
          const them = { ...cook, ...hiring, culture: theirs };
          assert.equal(matchScore(me, them), 43.5, `${JSON.stringify(mine)} against ${JSON.stringify(theirs)}`);
          assert.deepEqual([scoreParts(me, them).experience, scoreParts(me, them).salary, scoreParts(me, them).culture], [null, null, null]);
        }
      }
    });

    it('count between a job and a person, either way round', () => {
      const seeker = (pace: number) => ({ ...candidate, culture: { pace, size: 0.2 } });
      // Culture 0.8 against 0.6 (0.9, above) moves the score; against 0.8 it is a full fit.
      assert.notEqual(matchScore(job, seeker(0.8)), matchScore(job, seeker(0.6)));
      close(scoreParts(job, seeker(0.8)).culture, 1);
      close(scoreParts(seeker(0.8), job).culture, 1);
      assert.equal(matchScore(seeker(0.8), job), 70.6, 'the job for the seeker: 69.554 + 10 · 0.1');
    });

    it('leave a score between two jobs to tags, bios and verification', () => {
      const other = { ...job, id: 'other', verified: false, culture: { pace: 0.1, size: 0.9 }, salaryMin: 10, salaryMax: 20, experienceYears: 40 };
      assert.deepEqual([scoreParts(job, other).experience, scoreParts(job, other).salary, scoreParts(job, other).culture], [null, null, null]);
      assert.equal(matchScore(job, other), matchScore(job, { ...other, ...NO_HIRING_FIELDS }));
    });
  });

  describe('the threshold', () => {
    // A job and a person: the job's one tag offered at 5 (1.0, 40), bios with no word in common (0 of 15),
    // culture 1 − 0.8 = 0.2 (2 of 10), not verified (0 of 5): 42 / 70 = 60.0. With a gap of 0.9 instead: 41 / 70 = 58.571 → 58.6.
    const a = blankCard({ id: 'a', kind: 'job', bio: 'violin', tags: [{ tag: 'music', weight: 5 }], culture: { pace: 0.9 } });
    const b = blankCard({ id: 'b', kind: 'person', bio: 'drums', tags: [{ tag: 'music', weight: 5 }], culture: { pace: 0.1 } });
    it(`shows a card at exactly ${SHOW_THRESHOLD}`, () => {
      assert.equal(matchScore(a, b), 60);
      assert.equal(isShown(matchScore(a, b)), true);
    });
    it('hides a card just under it', () => {
      const c = { ...b, culture: { pace: 0 } };
      assert.equal(matchScore({ ...a, culture: { pace: 0.9 } }, c), 58.6);
      assert.equal(isShown(58.6), false);
    });
    it('scores 0 for a card with nothing to compare, verified or not: verification alone makes no score', () => {
      const x = blankCard({ id: 'x', kind: 'person' });
      assert.equal(matchScore(x, x), 0);
      assert.equal(matchScore(x, { ...x, verified: true }), 0);
      // An empty verified card against a full one, either kind: nothing in common to score.
      assert.equal(matchScore(job, { ...blankCard({ id: 'e', kind: 'person' }), verified: true }), 0);
      assert.equal(matchScore(hiker, { ...blankCard({ id: 'e', kind: 'person' }), verified: true }), 0);
      // With one part that applies, verification counts as before: a job's culture against a person's 1 of 10, verified 5 of 5.
      assert.equal(matchScore({ ...x, kind: 'job', culture: { pace: 0.5 } }, { ...x, culture: { pace: 0.5 }, verified: true }), 100);
    });
  });

  describe('its parts', () => {
    it('weights tag coverage by proficiency, ignoring case, with nothing to compare when a side has no tags', () => {
      assert.equal(tagCoverage([{ tag: 'Go', weight: 2 }], [{ tag: 'go', weight: 3 }]), 0.7);
      assert.equal(tagCoverage([{ tag: 'go', weight: 1 }, { tag: 'rust', weight: 1 }], [{ tag: 'rust', weight: 1 }]), 0.15);
      assert.equal(tagCoverage([], [{ tag: 'go', weight: 3 }]), null);
    });
    it('fits experience fully from the minimum to 5 years over, then 0.1 less a year, never under 0.5', () => {
      assert.deepEqual([2, 3, 8, 9, 12, 40].map((y) => experienceFit(y, 3)), [0, 1, 1, 0.9, 0.6, 0.5]);
    });
    it('fits salaries by their overlap over the narrower range', () => {
      assert.equal(salaryFit([50, 100], [80, 200]), 20 / 50);
      assert.equal(salaryFit([50, 100], [101, 200]), 0);
      assert.equal(salaryFit([90, 90], [80, 100]), 1);
    });
    it('fits culture over the traits both give', () => {
      close(cultureFit({ pace: 1, size: 0 }, { pace: 0.5, stage: 1 }), 0.5);
      assert.equal(cultureFit({ pace: 1 }, { size: 1 }), null);
    });
  });
});

describe('textSimilarity', () => {
  it('compares word sets, lower-cased, without common words, keeping C++ and C#', () => {
    assert.deepEqual([...wordSet('I write C++ and C# for the Web')], ['write', 'c++', 'c#', 'web']);
    assert.equal(wordSetSimilarity(wordSet('Go and Rust'), wordSet('rust, GO!')), 1);
    assert.equal(wordSetSimilarity(wordSet('one two three four'), wordSet('four five six seven eight nine ten eleven twelve')), 1 / 6);
    assert.equal(wordSetSimilarity(wordSet('the and of'), wordSet('anything')), null);
  });
});
