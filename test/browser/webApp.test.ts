import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TEST_PASSWORD, uniqueEmail } from '../support/accounts';
import { ARTIFACTS_DIR } from '../support/browser';
import { keptOf, on, setLocation, signUpWithCard as signUp, useWebAppStage, type WebPerson as Person } from '../support/webAppDriver';

describe('the reference web app in Chromium, served from another origin than the node', function () {
  // The deployment's default grace for a retried refresh: without it, one run in three to five here
  // ended the session when both tabs reloaded at once with an expired access token.
  const stage = useWebAppStage();
  before(() => fs.mkdirSync(ARTIFACTS_DIR, { recursive: true }));

  const open = (name: string, at?: string): Promise<Person> => stage.people.open(name, at ?? stage.appUrl());

  let step = 0;
  const snap = async (person: Person, what: string) => {
    step += 1;
    await person.page.screenshot({ path: path.join(ARTIFACTS_DIR, `${String(step).padStart(2, '0')}-${person.name}-${what}.png`) });
  };
  const signUpWithCard = (person: Person) => signUp(person, (what) => snap(person, what));

  it('lets two people register, match, chat, see typing and a read receipt', async () => {
    const [ada, bo] = [await open('Ada'), await open('Bo')];
    assert.notEqual(new URL(stage.appUrl()).origin, new URL(stage.node.url).origin);

    await signUpWithCard(ada);
    await setLocation(ada);
    await on(ada, 'deck-empty').waitFor(); // nobody else is here yet
    await signUpWithCard(bo);
    await setLocation(bo);
    await on(bo, 'deck-card').waitFor();
    assert.equal(await on(bo, 'deck-card').getAttribute('data-name'), 'Ada');
    await snap(bo, 'deck');
    await on(bo, 'like').click();
    await on(bo, 'deck-empty').waitFor();

    // Ada's deck was built before Bo arrived: setting her location again builds a new one.
    await on(ada, 'tab-profile').click();
    await setLocation(ada);
    await on(ada, 'deck-card', 'Bo').waitFor();
    await on(ada, 'like').click();
    await on(ada, 'match-overlay').waitFor();
    await on(bo, 'match-overlay').waitFor();
    await snap(ada, 'match');
    await snap(bo, 'match');

    await on(ada, 'say-hi').click();
    await on(bo, 'say-hi').click();
    await on(ada, 'message-input').waitFor();
    await on(bo, 'message-input').waitFor();

    await on(ada, 'message-input').pressSequentially('Hi Bo');
    await on(bo, 'typing', 'Ada is typing').waitFor();
    await snap(bo, 'sees-typing');
    await on(ada, 'send').click();
    await on(bo, 'message', 'Hi Bo').waitFor();
    await snap(bo, 'chat');
    // Bo's open thread read the message: Ada sees the receipt under it.
    await on(ada, 'receipt', 'Seen').waitFor();
    await snap(ada, 'read-receipt');

    await on(bo, 'message-input').fill('Hey Ada!');
    await on(bo, 'send').click();
    await on(ada, 'message', 'Hey Ada!').waitFor();
    await on(ada, 'delete').click();
    await on(bo, 'message', 'Message deleted').waitFor();
    await snap(bo, 'deleted');

    await on(ada, 'call').click();
    await on(bo, 'incoming-call').waitFor();
    await snap(bo, 'incoming-call');

    // Signing out leaves nothing of the account in the browser: not the tokens, not who they matched with.
    assert.equal((await keptOf(ada)).length, 2, 'tokens and matches kept while signed in');
    await on(ada, 'tab-profile').click();
    await on(ada, 'sign-out').click();
    await on(ada, 'email').waitFor();
    assert.deepEqual(await keptOf(ada), []);

    assert.deepEqual([...ada.problems, ...bo.problems], []);
  });

  it('names a match made while the person was away, when they come back', async () => {
    const PARIS = { lat: '48.8566', lng: '2.3522' };
    const at = async (person: Person) => {
      await on(person, 'lat').fill(PARIS.lat);
      await on(person, 'lng').fill(PARIS.lng);
      await on(person, 'set-location').click();
    };
    const [ed, flo] = [await open('Ed'), await open('Flo')];
    await signUpWithCard(ed);
    await at(ed);
    await on(ed, 'deck-empty').waitFor();
    await signUpWithCard(flo);
    await at(flo);
    await on(flo, 'deck-card', 'Ed').waitFor();
    await on(flo, 'like').click();
    await on(flo, 'deck-empty').waitFor();
    await flo.page.close(); // Flo closes the app

    await on(ed, 'tab-profile').click();
    await at(ed);
    await on(ed, 'deck-card', 'Flo').waitFor();
    await on(ed, 'like').click();
    await on(ed, 'match-overlay').waitFor();

    // Flo opens the app again: the match made meanwhile is named.
    const back = await flo.context.newPage();
    back.on('pageerror', (error) => flo.problems.push(`Flo: ${error.message}`));
    await back.goto(stage.appUrl());
    await back.locator('[data-test="tab-matches"]').first().click();
    await back.locator('[data-test="match-row"]').first().waitFor();
    assert.deepEqual(await back.locator('[data-test="match-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name'))), ['Ed']);
    assert.deepEqual([...ed.problems, ...flo.problems], []);
  });

  it('is served by the node itself at /app/, under its content security policy, and signs people up there', async () => {
    const cy = await open('Cy', `${stage.node.url}/app/`);
    await signUpWithCard(cy);
    await snap(cy, 'same-origin');
    assert.deepEqual(cy.problems, []);
  });

  it('shows why a weak password is refused, in the words of the refusal, and then registers with a strong one', async () => {
    const gil = await open('Gil', `${stage.node.url}/app/`);
    await on(gil, 'email').fill(uniqueEmail('gil'));
    await on(gil, 'password').fill('password1');
    await on(gil, 'submit-auth').click();
    const notice = gil.page.getByRole('status').filter({ hasText: 'too easy to guess' });
    await notice.waitFor();
    await snap(gil, 'weak-password');
    const text = await notice.textContent();
    assert.ok(!text!.includes('PASSWORD_TOO_WEAK') && !text!.includes('password1'), text!);
    await on(gil, 'password').fill(TEST_PASSWORD);
    await on(gil, 'submit-auth').click();
    await on(gil, 'card-name').waitFor();
    assert.deepEqual(gil.problems, [`Gil: 400 POST ${stage.node.url}/auth/register`]);
  });

  it('keeps one sign-in in two tabs whose access token ran out together: one refreshes, the other takes its pair', async () => {
    const di = await open('Di', `${stage.node.url}/app/`);
    await signUpWithCard(di);
    const second = await di.context.newPage();
    second.on('response', (response) => {
      if (response.status() >= 400) di.problems.push(`Di's second tab: ${response.status()} ${response.request().method()} ${response.url()}`);
    });
    await second.goto(`${stage.node.url}/app/`);
    await second.locator('[data-test="tab-profile"]').first().waitFor();
    // The tabs share the tokens (localStorage): both find the access token expired as they load, at the same moment.
    await second.evaluate(() => {
      const tokens = JSON.parse(localStorage.getItem('kismet.tokens')!) as { expiresAt: number };
      localStorage.setItem('kismet.tokens', JSON.stringify({ ...tokens, expiresAt: 0 }));
    });
    await Promise.all([di.page.reload(), second.reload()]);
    for (const tab of [di.page, second]) await tab.locator('[data-test="tab-profile"]').first().waitFor();
    await snap(di, 'two-tabs');
    // Nothing spent was presented twice: no 401, and the session still serves both.
    assert.deepEqual(di.problems, []);
    for (const tab of [di.page, second]) assert.equal(await tab.locator('[data-test="email"]').count(), 0, 'still signed in');

    // Signed out in one tab: the server closes the other's session too (4502), and that tab asks to sign in, not to wait.
    await second.locator('[data-test="tab-profile"]').first().click();
    await second.locator('[data-test="sign-out"]').first().click();
    await second.locator('[data-test="email"]').first().waitFor();
    await on(di, 'email').waitFor();
    assert.equal(await di.page.evaluate(() => document.body.classList.contains('offline')), false, 'not left "Reconnecting…"');
  });
});
