import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startNodeProcess, type NodeHandle } from '../../loadtest/harness/nodeProcess';
import { TEST_PASSWORD, uniqueEmail } from './accounts';
import { BACKENDS } from './backends';
import { chromiumOrSkip, serveWebApp } from './browser';

/** One person in a browser context of their own, and what went wrong on their page. */
export interface WebPerson {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly problems: string[];
}

export const BERLIN = { lat: '52.5200', lng: '13.4050' };

/** People's browser contexts, each on the app at an address given, closed together. */
export class WebAppPeople {
  private readonly people: WebPerson[] = [];

  constructor(private readonly browser: Browser) {}

  /** A person with a context of their own on `url`; page errors, failed loads and 4xx/5xx answers are kept as problems. */
  async open(name: string, url: string): Promise<WebPerson> {
    const context = await this.browser.newContext({ viewport: { width: 430, height: 860 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`${name}: ${error.message}`));
    page.on('console', (message) => {
      // A failed load is reported below with its address.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`${name}: ${message.text()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${name}: ${response.status()} ${response.request().method()} ${response.url()}`);
    });
    page.on('requestfailed', (request) => problems.push(`${name}: ${request.failure()?.errorText ?? 'failed'} ${request.method()} ${request.url()}`));
    await page.goto(url);
    const person = { name, context, page, problems };
    this.people.push(person);
    return person;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.people.map((p) => p.context.close()));
  }
}

/** What a browser suite plays on: people's browsers, one node, and the app served from an origin of its own. */
export interface WebAppStage {
  readonly node: NodeHandle;
  readonly people: WebAppPeople;
  /** The app, served apart from the node, talking to this stage's node (its page names it). */
  appUrl(): string;
}

/**
 * Registers a suite's hooks: Chromium (or the suite skipped, outside CI, without it), one
 * embedded node with `env` on top, and the built app served from another origin than the
 * node's, started before the suite's tests; the people's contexts closed after them.
 */
export function useWebAppStage(env: Record<string, string> = {}): WebAppStage {
  let browser: Browser | undefined;
  let node: NodeHandle | undefined;
  let site: Awaited<ReturnType<typeof serveWebApp>> | undefined;
  let people: WebAppPeople | undefined;
  let teardown: () => Promise<void> = async () => {};
  before(async function () {
    browser = await chromiumOrSkip(this);
    people = new WebAppPeople(browser!);
    const backend = (await BACKENDS[0]!.setup(this))!;
    teardown = backend.teardown;
    node = await startNodeProcess({ ...backend.env, ...env });
    site = await serveWebApp(node.url);
  });
  after(async () => {
    await people?.closeAll();
    await browser?.close();
    await site?.close();
    await node?.stop();
    await teardown();
  });
  return {
    get node() {
      return node!;
    },
    get people() {
      return people!;
    },
    appUrl: () => `${site!.url}/`,
  };
}

/** The app's element marked `data-test="<test>"` (the first, with `text` when given). */
export function on(person: { readonly page: Page }, test: string, text?: string): Locator {
  return person.page.locator(`[data-test="${test}"]`, text === undefined ? {} : { hasText: text }).first();
}

/** What of an account a page's browser keeps: its tokens and who it matched with (their keys). */
export function keptOf(person: { readonly page: Page }): Promise<string[]> {
  return person.page.evaluate(() => Object.keys(localStorage).filter((k) => k === 'kismet.tokens' || k.startsWith('kismet.matches.')).sort());
}

/** Registers through the app and makes the person's card; `snap` is called at the screens worth a picture. */
export async function signUpWithCard(person: WebPerson, snap: (what: string) => Promise<void> = async () => {}): Promise<void> {
  await on(person, 'email').fill(uniqueEmail(person.name.toLowerCase()));
  await on(person, 'password').fill(TEST_PASSWORD);
  await snap('register');
  await on(person, 'submit-auth').click();
  await on(person, 'card-name').fill(person.name);
  await on(person, 'card-year').fill('1993');
  await on(person, 'card-tags').fill('hiking, jazz');
  await on(person, 'card-bio').fill('hiking trails around the city');
  await snap('profile');
  await on(person, 'save-card').click();
  await on(person, 'set-location').waitFor();
}

/** Signs in through the app with an account that has a card: the deck shows. */
export async function signIn(person: WebPerson, email: string): Promise<void> {
  await person.page.getByRole('button', { name: 'I already have an account' }).click();
  await on(person, 'email').fill(email);
  await on(person, 'password').fill(TEST_PASSWORD);
  await on(person, 'submit-auth').click();
  await on(person, 'tab-discover').waitFor();
}

export async function setLocation(person: WebPerson, at: { readonly lat: string; readonly lng: string } = BERLIN): Promise<void> {
  await on(person, 'lat').fill(at.lat);
  await on(person, 'lng').fill(at.lng);
  await on(person, 'set-location').click();
}
