import { ConfigError, loadConfig } from './config';
import { createLogger, type Logger } from './logger';
import { assertNativeUws } from './nativeUws';
import { bannerFacts, startBanner } from './startBanner';
import type { KismetNode } from './node';
import { isDatabaseUnreachable } from '../db/faults';
import { isRedisUnreachable } from './cluster/redisFaults';

const SHUTDOWN_DEADLINE_MS = 30_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`kismet: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  // A person at a terminal reads the logs; anything else (PM2, a file, a pipe) gets JSON lines.
  const terminal = process.stdout.isTTY === true;
  const logger = createLogger(config.logLevel, {}, terminal && config.env === 'development');
  // Libraries fire some Redis and Postgres calls and forget them (Colyseus's room
  // counts, IPC replies, unsubscribes): while a dependency is away those reject with
  // nobody listening, which must not end the process. Each is logged and counted.
  let node: KismetNode | undefined;
  process.on('unhandledRejection', (reason) => {
    node?.metrics.unhandledRejections.inc();
    const dependencyFault = isDatabaseUnreachable(reason) || isRedisUnreachable(reason);
    logger[dependencyFault ? 'warn' : 'error']({ err: reason }, 'a promise rejected with nobody to handle it');
  });
  quietPm2Io(logger);
  assertNativeUws();
  // Colyseus reads its wait for another node's answer once, as it loads: set it before.
  process.env['COLYSEUS_PRESENCE_SHORT_TIMEOUT'] = String(config.staleNodeTimeoutMs);
  const { startNode } = await import('./node.js');
  node = await startNode(config, logger);
  const started = node;

  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    started.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.on('message', (message) => {
    if (message === 'shutdown') stop('message'); // PM2 on platforms without signals
  });

  // PM2 (wait_ready) and test harnesses wait for this: Postgres and Redis have answered.
  // Only now, with the signals heard: a SIGTERM sent the moment it arrives ends the node
  // through its shutdown, which takes it out of the nodes the cluster counts.
  process.send?.('ready');
  if (terminal) process.stdout.write(startBanner(bannerFacts(config)));
}

/**
 * Colyseus loads `@pm2/io` for its metrics when it is installed (it comes with the
 * dev tools), and that hooks the process's uncaught errors and rejections and
 * prints them raw on stderr. Kismet logs those itself, as JSON: it loads the
 * module first and takes its two hooks off (the module's own `destroy` misses
 * them: it registers bound copies). Its metrics stay.
 */
function quietPm2Io(logger: Logger): void {
  try {
    require('@pm2/io');
  } catch (error) {
    logger.debug({ err: error }, '@pm2/io is not installed: nothing to quiet');
    return;
  }
  for (const listener of process.listeners('uncaughtException')) {
    if (listener.name === 'bound onUncaughtException') process.removeListener('uncaughtException', listener);
  }
  for (const listener of process.listeners('unhandledRejection')) {
    if (listener.name === 'bound onUnhandledRejection') process.removeListener('unhandledRejection', listener);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`kismet: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  if (error instanceof Error && error.cause) process.stderr.write(`caused by: ${String((error.cause as Error).stack ?? error.cause)}\n`);
  process.exit(1);
});
