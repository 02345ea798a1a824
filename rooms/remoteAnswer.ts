import { AppError, ErrorCode, type CodedErrorJson } from '../domain/errors';
import { roomServices } from './roomServices';

/**
 * What an actor's method called from another node answers: its result, or its
 * coded refusal as JSON. Colyseus's IPC passes on only the message of an error
 * thrown across it, so a refusal travels as an answer instead.
 */
export type RemoteAnswer<T> = { readonly ok: true; readonly result: T } | { readonly ok: false; readonly error: CodedErrorJson };

/** Runs a remotely called method: an AppError becomes a coded answer; anything else is logged and answered INTERNAL. */
export async function answerRemotely<T>(what: string, work: () => T | Promise<T>): Promise<RemoteAnswer<T>> {
  try {
    return { ok: true, result: await work() };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, error: error.toJSON() };
    roomServices().logger.error({ err: error, what }, 'remote call failed');
    return { ok: false, error: { code: ErrorCode.INTERNAL, message: `${what} failed` } };
  }
}

/** The caller's side: the result, or the AppError thrown over there, as it was. */
export function resultOf<T>(answer: RemoteAnswer<T>): T {
  if (answer.ok) return answer.result;
  throw AppError.fromJSON(answer.error);
}
