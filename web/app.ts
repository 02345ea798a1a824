import { KismetClient, webStorageStore, type CardPage, type CardView, type KismetSession, type KismetThread } from '../client/index';
import { h, show, toast } from './dom';
import { deviceId, nodeUrl } from './settings';

export type Screen = 'discover' | 'matches' | 'profile';

/** A match as the app lists it: whose it is, and their card's name once known. */
export interface MatchInfo {
  readonly matchId: string;
  readonly otherUserId: string;
  otherCardId?: string;
  name?: string;
}

/** What every view shares: the client, the session, the user's card, their matches and who is online. */
export class App {
  readonly kismet: KismetClient;
  session: KismetSession | undefined;
  thread: KismetThread | undefined;
  myCard: CardView | undefined;
  /** The H3 cell the session placed the user in; null before a location. */
  cell: string | null = null;
  readonly matches = new Map<string, MatchInfo>();
  readonly presence = new Map<string, string>();
  private readonly renderers = new Map<Screen, (app: App, main: HTMLElement) => void | Promise<void>>();
  private readonly listeners = new Set<() => void>();
  screen: Screen = 'discover';
  /**
   * Counts what the app went to show (a screen, a chat; a sign-out ends them all): a chat joined
   * for a view since replaced (a double click, a quick A, B, A) is left as soon as it is joined.
   */
  private visit = 0;
  private signedOut: () => void = () => location.reload();
  readonly root: HTMLElement;
  /** Where the current view draws: a new one for each, so a view replaced while it loads draws nowhere. */
  main: HTMLElement;

  constructor(root: HTMLElement) {
    this.root = root;
    this.main = h('main.screen');
    this.kismet = new KismetClient({ url: nodeUrl(), tokens: webStorageStore(localStorage) });
    // The node ended the sign-in (the account erased or banned, the log-in revoked elsewhere): nothing of it stays here either.
    this.kismet.onSignInEnded((userId) => this.forgetSignIn(userId));
  }

  register(screen: Screen, render: (app: App, main: HTMLElement) => void | Promise<void>): void {
    this.renderers.set(screen, render);
  }

  /** Something the views show changed (a match, someone's presence): redraw what listens. */
  changed(): void {
    for (const listener of this.listeners) listener();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What to show once the person signed out (the sign-in screen). */
  whenSignedOut(show: () => void): void {
    this.signedOut = show;
  }

  /** Shows `screen`, leaving the chat open before; resolves with the visit it started, once drawn. */
  async go(screen: Screen): Promise<number> {
    const visit = this.endVisit();
    this.screen = screen;
    this.main = h('main.screen');
    show(this.root, this.header(), this.main);
    try {
      await this.renderers.get(screen)?.(this, this.main);
    } catch (error) {
      if (this.showing(visit)) toast(error instanceof Error ? error.message : String(error), 'error');
    }
    return visit;
  }

  /** Whether `visit` is still what the app shows. */
  showing(visit: number): boolean {
    return visit === this.visit;
  }

  /** The chat of `visit`, kept while it shows; one whose view was replaced before it joined is left at once (false). */
  adopt(thread: KismetThread, visit: number): boolean {
    if (!this.showing(visit)) {
      void thread.close().catch(() => undefined);
      return false;
    }
    this.thread = thread;
    return true;
  }

  /** Ends what shows now: its listeners go, and its chat is left without waiting for the node. The next visit's number. */
  private endVisit(): number {
    this.listeners.clear();
    void this.thread?.close().catch(() => undefined);
    this.thread = undefined;
    return ++this.visit;
  }

  /** Connects this browser's device to the session and loads the user's card. */
  async connect(): Promise<void> {
    const session = await this.kismet.connect(deviceId());
    this.session = session;
    this.cell = session.ready.cell;
    // Listening before anything else is awaited: the events stored while this device was away come right after it joined.
    this.loadMatches();
    session.on('match.created', (data) => this.rememberMatch({ matchId: data.matchId, otherUserId: data.otherUserId, otherCardId: data.otherCardId }));
    session.on('presence.changed', (data) => {
      this.presence.set(data.userId, data.presence);
      this.changed();
    });
    session.onStatus((status) => {
      if (this.session !== session) return; // signed out here: closed on purpose
      document.body.classList.toggle('offline', status === 'rejoining');
      // Closed for good by a refusal no rejoin gets past: start over. One that ended the sign-in (4502: signed out
      // elsewhere, banned, erased) signed out here already, and this session is no longer the app's.
      if (status === 'closed') location.reload();
    });
    // The user's cards come a page at a time, oldest first; their active profile is their newest.
    let after: string | null = null;
    this.myCard = undefined;
    do {
      const page: CardPage = await this.kismet.api<CardPage>('GET', after ? `/me/cards?after=${after}` : '/me/cards');
      this.myCard = page.cards.find((c) => c.kind === 'person' && c.active) ?? this.myCard;
      after = page.after;
    } while (after !== null);
  }

  rememberMatch(match: MatchInfo): void {
    this.rememberMatches([match]);
  }

  /** Keeps what is known of these matches (a name known before stays unless a new one is given); stored and shown once. */
  rememberMatches(matches: readonly MatchInfo[]): void {
    if (matches.length === 0) return;
    for (const match of matches) {
      const known = this.matches.get(match.matchId);
      this.matches.set(match.matchId, { ...known, ...match, name: match.name ?? known?.name });
    }
    this.saveMatches();
    this.changed();
  }

  async nameOf(match: MatchInfo): Promise<string> {
    if (match.name) return match.name;
    if (!match.otherCardId) return 'Your match';
    const card = await this.kismet.api<CardView>('GET', `/cards/${match.otherCardId}`).catch(() => undefined);
    if (card) this.rememberMatch({ ...match, name: card.title });
    return card?.title ?? 'Your match';
  }

  /**
   * Signs out here at once, whatever the network (a shared computer is left at once): who they
   * matched with and the tokens leave the browser, the connections close without waiting for
   * the node, and the sign-in screen shows. Telling the node (so the refresh token dies there
   * too) goes on in the background, as far as the network lets it.
   */
  signOut(): void {
    const userId = this.kismet.userId;
    void this.kismet.logout(); // forgets the tokens before it asks the node
    this.forgetSignIn(userId);
  }

  /**
   * What signing out does here, the tokens already forgotten: also when the node ended the
   * sign-in. Who they matched with stays with them, not with the browser: the next person to
   * use it reads nothing of it.
   */
  private forgetSignIn(userId: string | undefined): void {
    localStorage.removeItem(this.matchesKey(userId));
    const session = this.session;
    this.session = undefined;
    // Closed at once, without acknowledging its last events first: their next session here gets those again.
    void session?.connection.close().catch(() => undefined);
    this.endVisit();
    this.matches.clear();
    this.presence.clear();
    this.myCard = undefined;
    this.cell = null;
    document.body.classList.remove('offline');
    document.querySelectorAll('.overlay').forEach((overlay) => overlay.remove());
    this.signedOut();
  }

  private matchesKey(userId = this.kismet.userId): string {
    return `kismet.matches.${userId ?? ''}`;
  }

  private loadMatches(): void {
    const raw = localStorage.getItem(this.matchesKey());
    for (const match of raw ? (JSON.parse(raw) as MatchInfo[]) : []) this.matches.set(match.matchId, match);
  }

  private saveMatches(): void {
    if (this.kismet.userId === undefined) return; // signed out meanwhile (a name fetched late): kept nowhere
    localStorage.setItem(this.matchesKey(), JSON.stringify([...this.matches.values()]));
  }

  private header(): HTMLElement {
    const tab = (screen: Screen, label: string) =>
      h('button.tab', { class: this.screen === screen ? 'active' : '', dataset: { test: `tab-${screen}` }, onclick: () => void this.go(screen) }, label);
    return h(
      'header.bar',
      {},
      h('div.brand', {}, h('span.logo', {}, '✦'), 'Kismet'),
      h('nav.tabs', {}, tab('discover', 'Discover'), tab('matches', 'Matches'), tab('profile', 'Profile')),
    );
  }
}
