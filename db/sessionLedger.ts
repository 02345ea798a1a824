import type { Kysely } from 'kysely';
import { MAX_DEVICE_CURSORS } from '../domain/userEvents';
import type { Database, PresenceStatus, UserStatus } from './types';
import { isForeignKeyViolation } from './faults';
import { GroupCommit, type GroupCommitLimits } from './groupCommit';
import { findStreamPositions, saveDeviceCursors, type DeviceAck, type StreamPosition } from './repositories/eventRepository';
import { findAccountStatuses, findSessionStarts, updatePresences, type SessionStart } from './repositories/userRepository';

/** The ledger's reads, two flushes at a time; its writes one at a time, so a user's changes land in order. */
const READS: GroupCommitLimits = { maxInFlight: 2, maxBatch: 500, gatherTurn: true };
const WRITES: GroupCommitLimits = { maxInFlight: 1, maxBatch: 500, gatherTurn: true };

/**
 * A node's per-join reads (account status, a session's start, a device's stream position), presence
 * writes and devices' acknowledgements, grouped: a burst of joins or of acknowledgements takes one
 * statement per flush instead of one each. Writes keep one flush in flight, so a user's changes land in order.
 * Each flush gathers the event-loop turn its first ask arrived in: joins came sooner so (loadtest/README.md,
 * "Statements planned once, and a turn's swipes in one flush").
 */
export class SessionLedger {
  private readonly statuses: GroupCommit<string, UserStatus | undefined>;
  private readonly starts: GroupCommit<string, SessionStart>;
  private readonly positions: GroupCommit<{ userId: string; deviceId: string }, StreamPosition>;
  private readonly presences: GroupCommit<{ userId: string; presence: PresenceStatus; lastSeenAt: Date }, boolean>;
  private readonly acks: GroupCommit<DeviceAck, void>;

  constructor(db: Kysely<Database>) {
    this.statuses = new GroupCommit(async (ids) => {
      const found = await findAccountStatuses(db, ids);
      return ids.map((id) => found.get(id));
    }, READS);
    this.starts = new GroupCommit((userIds) => findSessionStarts(db, userIds), READS);
    this.positions = new GroupCommit((devices) => findStreamPositions(db, devices), READS);
    this.presences = new GroupCommit(async (changes) => {
      const stored = await updatePresences(db, changes);
      return changes.map((change) => stored.has(change.userId));
    }, WRITES);
    this.acks = new GroupCommit(async (acks) => {
      for (let attempt = 0; ; attempt++) {
        try {
          await saveDeviceCursors(db, acks, MAX_DEVICE_CURSORS);
          return acks.map(() => undefined);
        } catch (error) {
          // An account erased while the statement ran (a foreign key violation): tried again, it is passed over.
          if (!isForeignKeyViolation(error) || attempt > 0) throw error;
        }
      }
    }, WRITES);
  }

  /** The account's status, or undefined when it does not exist (or was deleted). */
  accountStatus(userId: string): Promise<UserStatus | undefined> {
    return this.statuses.submit(userId);
  }

  /** What the user's session actor starts from. */
  sessionStart(userId: string): Promise<SessionStart> {
    return this.starts.submit(userId);
  }

  /** Where the device stands in its user's stream now. */
  streamPosition(userId: string, deviceId: string): Promise<StreamPosition> {
    return this.positions.submit({ userId, deviceId });
  }

  /** Records a device's acknowledgement, with the node's others; its cursor never moves back. The account keeps MAX_DEVICE_CURSORS cursors, those seen last. */
  recordAck(ack: DeviceAck): Promise<void> {
    return this.acks.submit(ack);
  }

  /** Records the user's presence; `lastSeenAt` is the moment the change was observed. False for an erased account: nothing is recorded. */
  recordPresence(userId: string, presence: PresenceStatus, lastSeenAt: Date): Promise<boolean> {
    return this.presences.submit({ userId, presence, lastSeenAt });
  }
}
