import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * Structured JSON logs on stdout, or, for a person at a terminal (`readable`),
 * the same logs made readable by pino-pretty. Secrets are redacted by path
 * wherever they could appear.
 */
export function createLogger(level: string, bindings: Record<string, unknown> = {}, readable = false): Logger {
  const options = {
    level,
    base: { service: 'kismet', pid: process.pid, ...bindings },
    redact: {
      paths: [
        'password', '*.password', 'accessToken', '*.accessToken', 'refreshToken', '*.refreshToken', 'token', '*.token',
        'jwtSecret', '*.jwtSecret', 'adminApiKey', '*.adminApiKey', 'authorization', 'headers.authorization', '*.headers.authorization',
      ],
      censor: '[redacted]',
    },
  };
  // Synchronous, so the lines and the start banner (written after them) keep their order.
  return readable ? pino(options, pretty({ sync: true, colorize: true, ignore: 'service,pid,hostname' })) : pino(options);
}
