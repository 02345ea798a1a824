import assert from 'node:assert/strict';
import { matchPeople, registerPerson, type Person as Account } from '../support/matches';
import { TcpProxy } from '../support/tcpProxy';
import { on, signIn, useWebAppStage, type WebPerson } from '../support/webAppDriver';

/** A person's problems but the requests the network failed (which the tests make it do). */
function beyondTheNetwork(person: WebPerson): string[] {
  return person.problems.filter((problem) => !problem.includes(' net::ERR_'));
}

/** How long the app may take to give up a send (five tries, each waiting up to 10 s for the thread to come back). */
const GIVE_UP_MS = 120_000;

describe('the reference web app when the network fails', function () {
  const stage = useWebAppStage();
  /** Between one person's browser and the node, to cut them off. */
  let proxy: TcpProxy | undefined;
  before(async () => {
    proxy = await TcpProxy.start(stage.node.port);
  });
  afterEach(() => proxy?.restore());
  after(() => proxy?.close());

  const proxied = () => `http://127.0.0.1:${proxy!.port}`;

  /**
   * `account` signed in through the app talking to the node at `server`, knowing its
   * `matches` already (as a returning browser does, so no "It's a match!" covers the screen).
   */
  const signedIn = async (name: string, account: Account, server: string, matches: ReadonlyArray<{ matchId: string; other: Account }>): Promise<WebPerson> => {
    const person = await stage.people.open(name, stage.appUrl(server));
    const known = matches.map((m) => ({ matchId: m.matchId, otherUserId: m.other.userId, otherCardId: m.other.card.id, name: m.other.card.title }));
    await person.page.evaluate(([key, value]) => localStorage.setItem(key!, value!), [`kismet.matches.${account.userId}`, JSON.stringify(known)]);
    await signIn(person, account.email);
    return person;
  };

  const openChatWith = async (person: WebPerson, name: string) => {
    await on(person, 'tab-matches').click();
    await on(person, 'match-row', name).click();
    await on(person, 'message-input').waitFor();
  };

  it('shows a message once when its acknowledgement was lost and the person resends it', async () => {
    const [adaAccount, boAccount] = await Promise.all([registerPerson(stage.node.url, 'Ada'), registerPerson(stage.node.url, 'Bo')]);
    const matchId = await matchPeople(adaAccount, boAccount, [stage.node.url, stage.node.url]);
    const ada = await signedIn('Ada', adaAccount, proxied(), [{ matchId, other: boAccount }]);
    const bo = await signedIn('Bo', boAccount, stage.node.url, [{ matchId, other: adaAccount }]);
    await openChatWith(ada, 'Bo');
    await openChatWith(bo, 'Ada');

    // The node stores Ada's message, but its answer never reaches her: her connection drops first, and stays down.
    proxy!.holdReplies();
    await on(ada, 'message-input').fill('Are you there?');
    await on(ada, 'send').click();
    await on(bo, 'message', 'Are you there?').waitFor();
    proxy!.cut();

    // The app gives up after its own tries: the message shows as not sent. The person resends it, and the network comes back.
    await on(ada, 'resend').waitFor({ timeout: GIVE_UP_MS });
    await on(ada, 'resend').click();
    proxy!.restore();
    await ada.page.waitForFunction(
      (text) => document.querySelectorAll('.unsent').length === 0 && Array.from(document.querySelectorAll('[data-test="message"][data-seq]')).some((m) => m.textContent?.includes(text)),
      'Are you there?',
      { timeout: GIVE_UP_MS },
    );

    const count = (person: WebPerson) => person.page.locator('[data-test="message"]', { hasText: 'Are you there?' }).count();
    // The thread's history (Bo opens the chat again), Bo's live view and Ada's hold it once.
    assert.equal(await count(ada), 1, 'Ada sees it once');
    assert.equal(await count(bo), 1, 'Bo saw it live once');
    await on(bo, 'tab-matches').click();
    await openChatWith(bo, 'Ada');
    await on(bo, 'message', 'Are you there?').waitFor();
    assert.equal(await count(bo), 1, 'the history holds it once');
    assert.deepEqual([...beyondTheNetwork(ada), ...bo.problems], []);
  });
});
