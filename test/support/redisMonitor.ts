import net from 'node:net';
import Parser from 'redis-parser';

/** A command some client sent to Redis while the monitor watched: its name (lower case) and arguments. */
export type MonitoredCommand = readonly [name: string, ...args: string[]];

/**
 * Watches every command a Redis server runs (MONITOR) on a connection of its own.
 *
 * ioredis's `monitor()` is not used: it marks the connection as monitoring only a
 * promise turn after MONITOR's `OK`, so a command line arriving in the same read
 * as the `OK` is taken for a reply to nothing and thrown ("Command queue state
 * error") out of the socket's handler. On a busy cluster that happens.
 */
export class RedisMonitor {
  readonly commands: MonitoredCommand[] = [];

  private constructor(private readonly socket: net.Socket) {}

  /** Resolves once Redis has answered MONITOR, so every later command is seen. */
  static async start(redisUrl: string): Promise<RedisMonitor> {
    const url = new URL(redisUrl);
    const socket = net.connect(Number(url.port || 6379), url.hostname || '127.0.0.1');
    const monitor = new RedisMonitor(socket);
    const password = decodeURIComponent(url.password);
    const auth = password ? [url.username ? ['AUTH', decodeURIComponent(url.username), password] : ['AUTH', password]] : [];
    await new Promise<void>((resolve, reject) => {
      // An OK for AUTH, if sent, then one for MONITOR; every reply after those is a command line.
      let unanswered = auth.length + 1;
      const fail = (error: Error) => (unanswered === 0 ? socket.destroy(error) : reject(error));
      const parser = new Parser({
        returnReply: (reply) => {
          if (unanswered === 0) monitor.commands.push(parseMonitorLine(String(reply)));
          else if (--unanswered === 0) resolve();
        },
        returnError: fail,
      });
      socket.on('data', (chunk) => parser.execute(chunk));
      socket.once('error', fail);
      socket.once('close', () => unanswered === 0 || reject(new Error('Redis closed the monitor connection before MONITOR was answered')));
      socket.write([...auth, ['MONITOR']].map(resp).join(''));
    });
    return monitor;
  }

  stop(): void {
    this.socket.destroy();
  }
}

const resp = (words: readonly string[]) => `*${words.length}\r\n${words.map((word) => `$${Buffer.byteLength(word)}\r\n${word}\r\n`).join('')}`;

/** `1712098529.327989 [0 127.0.0.1:62763] "set" "a \"quoted\" key" "1"` → ['set', 'a "quoted" key', '1']. */
export function parseMonitorLine(line: string): MonitoredCommand {
  const args = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map(([, quoted]) => unescapeArg(quoted ?? ''));
  const [name = '', ...rest] = args;
  return [name.toLowerCase(), ...rest];
}

const unescapeArg = (quoted: string) =>
  quoted.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, escaped: string) =>
    escaped.startsWith('x') && escaped.length === 3 ? String.fromCharCode(parseInt(escaped.slice(1), 16)) : ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' } as Record<string, string>)[escaped] ?? escaped,
  );
