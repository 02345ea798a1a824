import type { TokenPair } from '../contracts/auth';
import { KismetError, SIGN_IN_ENDED_CODES, toKismetError } from './errors';

/** Where the client keeps its tokens between page loads (browsers: localStorage); in memory by default. */
export interface TokenStore {
  load(): StoredTokens | undefined;
  save(tokens: StoredTokens | undefined): void;
  /**
   * Runs `work` while no other holder of this store (another tab of the same browser)
   * runs its own: a refresh spends the refresh token they share, and the same one
   * presented twice ends the session (REFRESH_TOKEN_REUSED). Without it, `work` runs at once.
   */
  exclusive?<T>(work: () => Promise<T>): Promise<T>;
}

export interface StoredTokens extends TokenPair {
  /** When the access token expires, ms since the epoch (by this device's clock). */
  readonly expiresAt: number;
}

/** Refresh the access token when it has less than this left. */
export const REFRESH_MARGIN_MS = 30_000;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Kismet's HTTP routes with the account's tokens: log-in, registration, a
 * refresh shared by every caller that needs one at the same moment, and
 * authenticated calls that refresh once and retry on TOKEN_EXPIRED.
 */
export class KismetAuth {
  private tokens: StoredTokens | undefined;
  private refreshing: Promise<StoredTokens> | undefined;
  private readonly endedListeners = new Set<(userId: string) => void>();

  constructor(
    private readonly baseUrl: () => string,
    private readonly store: TokenStore = memoryStore(),
    private readonly now: () => number = () => Date.now(),
  ) {
    this.tokens = store.load();
  }

  /** The signed-in user's id, if any. */
  get userId(): string | undefined {
    return this.tokens?.userId;
  }

  register(email: string, password: string, role: 'member' | 'recruiter' = 'member'): Promise<StoredTokens> {
    return this.obtain('/auth/register', { email, password, role });
  }

  login(email: string, password: string): Promise<StoredTokens> {
    return this.obtain('/auth/login', { email, password });
  }

  /**
   * Exchanges the refresh token for a new pair: once, however many callers ask at the same
   * time, and one holder of the store at a time (TokenStore.exclusive). A pair another holder
   * of the store got meanwhile (another tab) is taken as it is: the token this one holds is
   * spent, and presenting it again would end the session for every tab.
   */
  refresh(): Promise<StoredTokens> {
    const refreshToken = this.tokens?.refreshToken;
    if (refreshToken === undefined) return Promise.reject(new KismetError('TOKEN_MISSING', 'not signed in'));
    const work = () => this.refreshUnlessDone(refreshToken);
    this.refreshing ??= (this.store.exclusive ? this.store.exclusive(work) : work()).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  async logout(): Promise<void> {
    const refreshToken = this.tokens?.refreshToken;
    this.forget();
    if (refreshToken !== undefined) await this.call('POST', '/auth/logout', { refreshToken }, undefined).catch(() => undefined);
  }

  /**
   * A valid access token, refreshed first when it is about to expire, or when it is
   * `expired`: the server refused it as such (this device's clock runs behind).
   */
  async accessToken(expired?: string): Promise<string> {
    if (this.tokens === undefined) throw new KismetError('TOKEN_MISSING', 'not signed in');
    if (this.tokens.expiresAt - this.now() < REFRESH_MARGIN_MS || this.tokens.accessToken === expired) return (await this.refresh()).accessToken;
    return this.tokens.accessToken;
  }

  /** An authenticated call; answers the body, or throws a KismetError with the route's code. */
  async api<T>(method: HttpMethod, path: string, body?: unknown): Promise<T> {
    try {
      try {
        return await this.call<T>(method, path, body, await this.accessToken());
      } catch (error) {
        if (toKismetError(error).code !== 'TOKEN_EXPIRED') throw error;
        return await this.call<T>(method, path, body, (await this.refresh()).accessToken);
      }
    } catch (error) {
      this.endedIf(error);
      throw error;
    }
  }

  /**
   * Tells `listener` (with the user's id) when the node ended this sign-in for good
   * (SIGN_IN_ENDED_CODES, or a connection closed with 4502): the tokens are gone by then.
   * Returns the function that stops telling it.
   */
  onEnded(listener: (userId: string) => void): () => void {
    this.endedListeners.add(listener);
    return () => this.endedListeners.delete(listener);
  }

  /** The node refused the sign-in for good (a route, a join, a closed connection): forgets it, and tells the listeners once. */
  ended(): void {
    const userId = this.tokens?.userId;
    if (userId === undefined) return;
    this.forget();
    for (const listener of this.endedListeners) listener(userId);
  }

  /** Ends the sign-in when `error` is a refusal that means it is over (SIGN_IN_ENDED_CODES). */
  endedIf(error: unknown): void {
    if (SIGN_IN_ENDED_CODES.has(toKismetError(error).code)) this.ended();
  }

  /**
   * Refreshes with `spent`, unless the store holds a pair another holder of it got since: that
   * one is taken if it is the same person's. Another person's (this one signed out in another
   * tab, and someone else signed in there) is never taken: this holder is signed out.
   */
  private async refreshUnlessDone(spent: string): Promise<StoredTokens> {
    const stored = this.store.load();
    if (stored !== undefined && stored.refreshToken !== spent) {
      if (stored.userId !== this.tokens?.userId) {
        this.tokens = undefined;
        throw new KismetError('TOKEN_MISSING', 'signed out here: another account signed in on this browser');
      }
      this.tokens = stored;
      return stored;
    }
    return this.obtain('/auth/refresh', { refreshToken: spent });
  }

  private async obtain(path: string, body: unknown): Promise<StoredTokens> {
    try {
      const pair = await this.call<TokenPair>('POST', path, body, undefined);
      const tokens = { ...pair, expiresAt: this.now() + pair.expiresIn * 1000 };
      this.setTokens(tokens);
      return tokens;
    } catch (error) {
      this.endedIf(error);
      throw error;
    }
  }

  private setTokens(tokens: StoredTokens): void {
    this.tokens = tokens;
    this.store.save(tokens);
  }

  /**
   * Forgets the sign-in here, and in the store while it holds this user's tokens: another
   * account signed in meanwhile on the same store (another tab) keeps its own.
   */
  private forget(): void {
    const userId = this.tokens?.userId;
    this.tokens = undefined;
    const stored = this.store.load();
    if (stored === undefined || stored.userId === userId) this.store.save(undefined);
  }

  private async call<T>(method: HttpMethod, path: string, body: unknown, token: string | undefined): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    const response = await fetch(`${this.baseUrl()}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) throw toKismetError(parsed ?? new Error(`HTTP ${response.status}`));
    return parsed as T;
  }
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined; // not JSON (a proxy's error page): the status speaks
  }
}

export function memoryStore(): TokenStore {
  let kept: StoredTokens | undefined;
  return { load: () => kept, save: (tokens) => (kept = tokens) };
}

/**
 * Tokens kept in a Web Storage (a browser's localStorage) under `key`, which every tab of
 * the origin shares: their refreshes take turns under a Web Lock of the same name, where the
 * browser has them (`navigator.locks`).
 */
export function webStorageStore(
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>,
  key = 'kismet.tokens',
  locks: Pick<LockManager, 'request'> | undefined = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks,
): TokenStore {
  return {
    load: () => {
      const raw = storage.getItem(key);
      return raw === null ? undefined : (JSON.parse(raw) as StoredTokens);
    },
    save: (tokens) => (tokens === undefined ? storage.removeItem(key) : storage.setItem(key, JSON.stringify(tokens))),
    exclusive: <T>(work: () => Promise<T>): Promise<T> => (locks ? (locks.request(key, work) as Promise<T>) : work()),
  };
}
