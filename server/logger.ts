import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout. Secrets are redacted by path wherever they could appear. */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'kismet', pid: process.pid, ...bindings },
    redact: {
      paths: [
        'password', '*.password', 'accessToken', '*.accessToken', 'refreshToken', '*.refreshToken', 'token', '*.token',
        'jwtSecret', '*.jwtSecret', 'adminApiKey', '*.adminApiKey', 'authorization', 'headers.authorization', '*.headers.authorization',
      ],
      censor: '[redacted]',
    },
  });
}
