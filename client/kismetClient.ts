import type { ThreadReadyMessage } from '../contracts/chat';
import type { SessionReadyMessage } from '../contracts/session';
import { CHAT_ROOM, ChatEventType, KismetCloseCode, SESSION_ROOM, SessionEventType } from '../contracts/messageTypes';
import { ActorConnection, type ActorConnectionOptions } from './actorConnection';
import { KismetAuth, type HttpMethod, type StoredTokens, type TokenStore } from './auth';
import { KismetError } from './errors';
import { KismetSession } from './session';
import { KismetThread } from './thread';

export interface KismetClientOptions {
  /** A node's origin (`http://localhost:2567`), or several: joins go through them in turn. */
  readonly url: string | readonly string[];
  /** Where tokens live between runs; in memory unless given (`webStorageStore(localStorage)` in a browser). */
  readonly tokens?: TokenStore;
  /** How long event acknowledgements wait to be sent together (ms). */
  readonly ackDelayMs?: number;
}

/**
 * Kismet for an app: an account's tokens, a device's session and chat threads.
 * Runs in Node 20+ and in browsers (fetch, WebSocket and crypto.randomUUID).
 *
 * @example
 * const kismet = new KismetClient({ url: 'http://localhost:2567' });
 * await kismet.login('ada@example.com', 'correct horse battery');
 * const session = await kismet.connect('phone');
 * session.on('match.created', ({ matchId }) => console.log('match', matchId));
 */
export class KismetClient {
  readonly auth: KismetAuth;
  private readonly urls: readonly string[];

  constructor(private readonly options: KismetClientOptions) {
    this.urls = (typeof options.url === 'string' ? [options.url] : options.url).map((u) => u.replace(/\/+$/, ''));
    if (this.urls.length === 0) throw new Error('KismetClient needs at least one url');
    this.auth = new KismetAuth(() => this.urls[0]!, options.tokens);
  }

  get userId(): string | undefined {
    return this.auth.userId;
  }

  register(email: string, password: string, role?: 'member' | 'recruiter'): Promise<StoredTokens> {
    return this.auth.register(email, password, role);
  }

  login(email: string, password: string): Promise<StoredTokens> {
    return this.auth.login(email, password);
  }

  logout(): Promise<void> {
    return this.auth.logout();
  }

  /**
   * Tells `listener` when the node ended the sign-in for good: the account was erased or
   * banned, or this log-in revoked (a log-out in another tab, a refresh token used twice).
   * The tokens are forgotten by then; what the app keeps of the user (`userId`) is its to clear.
   */
  onSignInEnded(listener: (userId: string) => void): () => void {
    return this.auth.onEnded(listener);
  }

  /** An authenticated HTTP route (PROTOCOL.md): `api('POST', '/cards', card)`. */
  api<T>(method: HttpMethod, path: string, body?: unknown): Promise<T> {
    return this.auth.api<T>(method, path, body);
  }

  /** Connects this device to the user's session (`session_<userId>`), wherever it lives in the cluster. */
  async connect(deviceId: string, options: { readonly afterSeq?: number } = {}): Promise<KismetSession> {
    const userId = this.requireUser();
    const connection = await this.open<SessionReadyMessage>({
      ...this.connectionBase(),
      roomName: SESSION_ROOM,
      joinOptions: { userId, deviceId },
      readyType: SessionEventType.READY,
    });
    return new KismetSession(connection, { ackDelayMs: this.options.ackDelayMs, afterSeq: options.afterSeq });
  }

  /** Opens the chat thread of a match (`chat_<matchId>`). */
  async openThread(matchId: string): Promise<KismetThread> {
    this.requireUser();
    const connection = await this.open<ThreadReadyMessage>({
      ...this.connectionBase(),
      roomName: CHAT_ROOM,
      joinOptions: { matchId },
      readyType: ChatEventType.READY,
    });
    return new KismetThread(connection);
  }

  /**
   * Opens a connection whose end can end the sign-in: a join refused for good with a
   * SIGN_IN_ENDED code, first or on a rejoin, or a close with 4502 (banned, erased, revoked).
   */
  private async open<Ready>(options: ActorConnectionOptions): Promise<ActorConnection<Ready>> {
    try {
      return await ActorConnection.open<Ready>(options, {
        status: (status, detail) => {
          if (status !== 'closed') return;
          if (detail.closeCode === KismetCloseCode.SESSION_REVOKED) this.auth.ended();
          else if (detail.error) this.auth.endedIf(detail.error);
        },
      });
    } catch (error) {
      this.auth.endedIf(error);
      throw error;
    }
  }

  private connectionBase() {
    return { urls: () => this.urls, accessToken: (expired?: string) => this.auth.accessToken(expired) };
  }

  private requireUser(): string {
    const userId = this.auth.userId;
    if (userId === undefined) throw new KismetError('TOKEN_MISSING', 'log in or register first');
    return userId;
  }
}
