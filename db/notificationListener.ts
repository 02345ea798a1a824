import { Client } from 'pg';

/** What a listener tells its owner. */
export interface NotificationHandlers {
  /** A notification on the channel, or the listener (re)connected: what was sent while it was deaf is not delivered again. */
  readonly onNotify: () => void;
  /** Whether notifications are heard now, and the error that stopped them. */
  readonly onHearing?: (hearing: boolean, error?: Error) => void;
}

export interface NotificationListener {
  close(): Promise<void>;
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/**
 * LISTENs on a Postgres channel over a connection of its own (a pooled one would
 * be handed to other statements), and keeps listening: when the connection fails
 * or ends (Postgres restarted, the network cut) it is opened again after a pause
 * that doubles from 250 ms up to 5 s. Every (re)connection counts as a
 * notification, since what was sent meanwhile is lost to this listener.
 */
export function listenOnPostgres(url: string, channel: string, handlers: NotificationHandlers, connectTimeoutMs: number): NotificationListener {
  if (!/^[a-z_]+$/.test(channel)) throw new Error(`not a plain channel name: ${channel}`);
  let closed = false;
  let client: Client | undefined;
  let retryMs = FIRST_RETRY_MS;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    if (closed) return;
    const c = new Client({ connectionString: url, keepAlive: true, connectionTimeoutMillis: connectTimeoutMs });
    client = c;
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      void c.end().catch(() => undefined);
      if (closed) return;
      handlers.onHearing?.(false, error);
      retry = setTimeout(() => void connect(), retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    };
    c.on('error', fail);
    c.on('end', () => fail(new Error('the listening connection ended')));
    c.on('notification', (n) => {
      if (n.channel === channel) handlers.onNotify();
    });
    try {
      await c.connect();
      await c.query(`listen ${channel}`);
    } catch (error) {
      return fail(error as Error);
    }
    if (closed || failed) return;
    retryMs = FIRST_RETRY_MS;
    handlers.onHearing?.(true);
    handlers.onNotify();
  };
  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
