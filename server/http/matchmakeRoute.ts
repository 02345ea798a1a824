import { createAuthContext, ErrorCode as ColyseusErrorCode, matchMaker } from '@colyseus/core';
import type { TemplatedApp } from 'uWebSockets.js';
import { AppError, ErrorCode, isErrorCode, unavailable } from '../../domain/errors';
import { isActorKind } from '../../contracts/actors';
import { withinDeadline } from '../../services/commandDeadline';
import { joinOrCreateActor } from './actorJoin';
import type { JoinGate } from './joinGate';
import type { SilentNodes } from '../cluster/silentNodes';
import { isSeatReservationError, type RemoteSeats } from '../cluster/remoteSeats';
import { errorReply, jsonReply, parseJsonObject, route, type HttpReply, type RouteOptions } from './uwsHttp';

/** The only matchmaking methods a client may call: an actor is always named by the identity in its join options. */
export const MATCHMAKING_METHODS = ['joinOrCreate', 'reconnect'] as const;
const METHODS: ReadonlySet<string> = new Set(MATCHMAKING_METHODS);

/** Colyseus's own matchmaking refusals that mean "no such actor, or no seat in it to take back". */
const COLYSEUS_NOT_FOUND: ReadonlySet<unknown> = new Set([
  ColyseusErrorCode.MATCHMAKE_NO_HANDLER,
  ColyseusErrorCode.MATCHMAKE_INVALID_CRITERIA,
  ColyseusErrorCode.MATCHMAKE_INVALID_ROOM_ID,
  ColyseusErrorCode.MATCHMAKE_EXPIRED,
]);

/**
 * Kismet's own front of Colyseus's `/matchmake/:method/:room` so refusals leave
 * with Kismet's codes. The SDK surfaces only the message of a failed matchmake,
 * so the message starts with the code too: `NOT_YOUR_SESSION: ...`.
 */
export function mountMatchmakeRoute(
  app: TemplatedApp,
  options: RouteOptions & {
    /** The longest a join works on its seat once its turn came (after its wait in the gate) before it is answered UNAVAILABLE. */
    readonly timeoutMs: number;
    /** How many joins the node works on at once; the rest wait their turn, or are refused UNAVAILABLE. */
    readonly gate: JoinGate;
    /** Nodes nobody hears any more (in a cluster): a join waits out their lease instead of their IPC timeout. */
    readonly silentNodes: SilentNodes | undefined;
    /** Seats in actors on other nodes, in one call each (in a cluster). */
    readonly remoteSeats: RemoteSeats | undefined;
    /** Why this node takes no join now (it is fenced off), if it takes none. */
    readonly refusal: () => AppError | undefined;
    /** Turns a dependency's failure into its coded refusal (UNAVAILABLE); other errors pass as they are. */
    readonly classify: (error: unknown) => unknown;
  },
): void {
  const refuse = (code: ErrorCode, message: string, retryAfterMs?: number): HttpReply => errorReply(code, `${code}: ${message}`, retryAfterMs);

  route(app, 'post', '/matchmake/:method/:roomName', async (call) => {
    const [, , method = '', roomName = ''] = call.url.split('/');
    if (!METHODS.has(method) || !isActorKind(roomName)) {
      return refuse(ErrorCode.NOT_FOUND, `no matchmaking method "${method}" for "${roomName}"`);
    }
    if (matchMaker.state === matchMaker.MatchMakerState.SHUTTING_DOWN) {
      return refuse(ErrorCode.NODE_DRAINING, 'this node is draining; retry on another node');
    }
    const refused = options.refusal();
    if (refused) return refuse(refused.code, refused.message, refused.retryAfterMs);
    let body: unknown;
    try {
      body = call.body.length === 0 ? {} : parseJsonObject(call);
    } catch (error) {
      if (error instanceof AppError) return refuse(error.code, error.message);
      throw error;
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return refuse(ErrorCode.INVALID_ROOM_OPTIONS, 'join options must be a JSON object');
    }
    try {
      const headers: Record<string, string> = Object.fromEntries(call.headers);
      const context = createAuthContext({ headers, remoteAddress: call.remoteAddress });
      const joinOptions = body as Record<string, unknown>;
      // The deadline inside the gate: a join answered UNAVAILABLE gives its turn back at once, whatever it still waits for.
      const reservation = await options.gate.run(() => {
        // A device that gave up while its join waited takes no seat: the turn goes to the next.
        if (call.callerGone()) return Promise.reject(new AppError(ErrorCode.UNAVAILABLE, 'the caller left while the join waited its turn'));
        const deadlineAt = Date.now() + options.timeoutMs;
        return withinDeadline(
          method === 'joinOrCreate'
            ? joinOrCreateActor(roomName, joinOptions, context, { deadlineAt, silentNodes: options.silentNodes, remoteSeats: options.remoteSeats })
            : matchMaker.controller.invokeMethod(method, roomName, joinOptions, context),
          options.timeoutMs,
          'the join',
        );
      });
      return jsonReply(200, reservation);
    } catch (thrown) {
      // Colyseus's seat refusals (the node holding the actor did not answer, the actor went
      // meanwhile) carry no code: the next join finds or re-creates the actor.
      const error = isSeatReservationError(thrown) ? unavailable('the node holding this actor', thrown) : options.classify(thrown);
      const code = (error as { code?: unknown }).code;
      if (isErrorCode(code)) return refuse(code, (error as Error).message, (error as { retryAfterMs?: number }).retryAfterMs);
      if (COLYSEUS_NOT_FOUND.has(code)) return refuse(ErrorCode.NOT_FOUND, (error as Error).message);
      options.onError(error);
      return jsonReply(500, { code: ErrorCode.INTERNAL, message: `${ErrorCode.INTERNAL}: ${(error as Error).message}` });
    }
  }, { ...options, timeoutMs: options.gate.maxWaitMs + options.timeoutMs });
}
