import { sql } from 'kysely';

/**
 * The threads a person can have written in: those they are a member of, and those they left as a
 * colleague. A sender's messages are reached through them, by the messages' key (thread, sender):
 * no index of messages by sender, which every message stored would pay for, and no read of every
 * message for one person (an erasure holds a table others write to meanwhile; an export would
 * read the whole deployment's messages).
 */
export function threadsWrittenIn(userId: string) {
  return sql<string>`(select match_id from match_members where user_id = ${userId}
                      union select match_id from colleague_departures where user_id = ${userId})`;
}
