import assert from 'node:assert/strict';
import { classifyDatabaseError, isConnectionLost, isDatabaseUnreachable } from '../../db/faults';
import { AppError } from '../../domain/errors';
import { classifyRedisError, isRedisUnreachable } from '../../server/cluster/redisFaults';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

/** Asserts how `judge` takes each error, naming the one it takes otherwise. */
function judgesEach(judge: (error: unknown) => boolean, errors: readonly unknown[], expected: boolean): void {
  for (const error of errors) assert.equal(judge(error), expected, String((error as Error).message));
}

/** A connection Postgres ended, or whose socket closed: unreachable, and lost, both. */
const ENDED_CONNECTIONS = [
  withCode('terminating connection due to administrator command', '57P01'),
  withCode('connection failure', '08006'),
  new Error('Connection terminated unexpectedly'),
];

describe('dependency faults', () => {
  describe('Postgres', () => {
    it('takes a dropped or refused connection for unreachable', () => {
      judgesEach(isDatabaseUnreachable, [
        ...ENDED_CONNECTIONS,
        withCode('the database system is shutting down', '57P03'),
        withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
        new Error('timeout exceeded when trying to connect'),
        new Error('Query read timeout'),
        new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')]),
      ], true);
    });

    it('takes a connection Postgres ended or whose socket closed for lost, and a statement out of time for not', () => {
      judgesEach(isConnectionLost, [
        ...ENDED_CONNECTIONS,
        withCode('terminating connection due to crash of another server process', '57P02'),
        withCode('read ECONNRESET', 'ECONNRESET'),
      ], true);
      judgesEach(isConnectionLost, [
        new Error('Query read timeout'),
        withCode('canceling statement due to statement timeout', '57014'),
        new Error('timeout exceeded when trying to connect'),
        withCode('sorry, too many clients already', '53300'),
        withCode('duplicate key value violates unique constraint', '23505'),
        classifyDatabaseError(withCode('terminating connection due to administrator command', '57P01')),
      ], false);
    });

    it('leaves a statement’s own failure alone', () => {
      for (const error of [withCode('duplicate key value violates unique constraint', '23505'), withCode('syntax error', '42601'), new Error('boom')]) {
        assert.equal(isDatabaseUnreachable(error), false, error.message);
        assert.equal(classifyDatabaseError(error), error);
      }
    });

    it('answers UNAVAILABLE with a retry hint, keeping the cause', () => {
      const cause = withCode('terminating connection due to administrator command', '57P01');
      const answer = classifyDatabaseError(cause) as AppError;
      assert.deepEqual([answer.code, answer.retryAfterMs! > 0, answer.cause], ['UNAVAILABLE', true, cause]);
    });
  });

  describe('Redis', () => {
    it('takes a closed connection, a refused one and a timed-out command for unreachable', () => {
      for (const error of [
        Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' }),
        new Error('Connection is closed.'),
        new Error("Stream isn't writeable and enableOfflineQueue options is false"),
        new Error('Command timed out'),
        withCode('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED'),
        new Error('LOADING Redis is loading the dataset in memory'),
        new Error('ipc_timeout'),
      ]) {
        assert.equal(isRedisUnreachable(error), true, error.message);
        assert.equal((classifyRedisError(error) as AppError).code, 'UNAVAILABLE');
      }
    });

    it('leaves a wrong command alone', () => {
      const error = new Error("ERR wrong number of arguments for 'hset' command");
      assert.equal(classifyRedisError(error), error);
    });
  });
});
