import type { Logger } from './logger';

/** What Colyseus logs through: its Logger class's methods. */
export interface ColyseusLogger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  trace(...args: unknown[]): void;
}

/** A stack Colyseus printed because a client's frame would not decode (msgpack or the envelope). */
const UNDECODABLE = /^(RangeError|Error|TypeError|SyntaxError)\b[^\n]*\n(\s+at [^\n]*\n)*?\s+at [^\n]*(msgpackr|@colyseus\/schema)/;
/** A stack of one of Kismet's own coded refusals (a join refused in onJoin): the client was told. */
const CODED_REFUSAL = /^AppError: /;

/**
 * Colyseus's logger, on the node's pino logger. Colyseus prints at error level,
 * with a stack, whatever a client can cause at will: a frame that does not
 * decode, a join refused with a code. Those go to debug (and the frames to
 * `kismet_undecodable_frames_total`), so a client cannot flood the error log;
 * everything else keeps its level.
 */
export function colyseusLogger(logger: Logger, onUndecodableFrame: () => void): ColyseusLogger {
  const log = logger.child({ component: 'colyseus' });
  const text = (args: unknown[]) => args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : String(a))).join(' ');
  return {
    debug: (...args) => log.debug(text(args)),
    info: (...args) => log.info(text(args)),
    warn: (...args) => log.warn(text(args)),
    trace: (...args) => log.trace(text(args)),
    error: (...args) => {
      const message = text(args);
      if (UNDECODABLE.test(message)) {
        onUndecodableFrame();
        log.debug({ clientFault: 'undecodable frame' }, message.split('\n', 1)[0]);
      } else if (CODED_REFUSAL.test(message)) {
        log.debug({ clientFault: 'refused' }, message.split('\n', 1)[0]);
      } else {
        log.error(message);
      }
    },
  };
}
