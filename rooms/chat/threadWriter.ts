import type { NewMessage, StoredMessageKey, ThreadMessage } from '../../db/repositories/messageRepository';
import type { StoreOutcome } from '../../db/repositories/messageBatchRepository';
import type { StoredUserEvent } from '../../db/repositories/eventRepository';
import { AppError, ErrorCode } from '../../domain/errors';
import type { MatchStatus } from '../../domain/chatRules';
import type { NewUserEvent } from '../../domain/userEvents';
import type { ChatStore } from './chatStore';
import { RecentSends } from './recentSends';

/** Messages stored in one statement at most; more wait for the next. */
const MAX_BATCH = 256;
/**
 * Client ids remembered per thread, so most resends (of the last moments before
 * a reconnect) are answered without a query; older ones are found in storage.
 * Kept small: a node holds many threads (256, as joined keys, held about 46 KB
 * per busy thread; see loadtest/README.md, "Chat, 2026-12-02 (tail)").
 */
export const REMEMBERED_KEYS = 64;
/** Reloads from storage one batch may take before the writer gives up on its thread. */
const MAX_RESYNCS = 3;

export interface SendOutcome {
  readonly seq: number;
  readonly at: number;
  readonly repeated: boolean;
}

/** A message about to be stored, with the sequence it will get. */
export interface NumberedMessage extends NewMessage {
  readonly seq: number;
}

/** What the writer asks of its thread actor, and tells it. */
export interface ThreadWriterHost {
  /** The thread's last committed sequence. */
  lastSeq(): number;
  /** Events for members who will not see these messages live. */
  noticesFor(messages: readonly NumberedMessage[]): Array<{ userId: string; events: NewUserEvent[] }>;
  /** The thread's colleagues, the members storage may have taken out before a batch committed. */
  colleagues(): BatchColleagues;
  /** Runs once a batch is durable, before any sender hears back. */
  onStored(messages: readonly ThreadMessage[], events: readonly StoredUserEvent[]): void;
  /** The match ended under the writer (for a block, who made it). */
  onClosed(ended: { readonly status: MatchStatus; readonly blockerIds: readonly string[] }): void;
  /**
   * Another writer moved the thread's sequence (an actor on a stopping node
   * finishing its last batch while this one started): reload the thread from
   * storage, returning its newest client ids.
   */
  resync(): Promise<readonly StoredMessageKey[]>;
  /** The sequence kept moving under this actor: it must not go on. */
  onConflict(lastSeq: number): void;
}

/** What a batch asks storage about, and tells, of its thread's colleagues. */
export interface BatchColleagues {
  /** The colleagues now: storage says with each batch which of them were taken out before it. */
  colleagueIds(): string[];
  /** One storage no longer held when a batch committed (told nothing of it): before the batch goes out. */
  depart(userId: string): void;
}

interface Pending {
  readonly message: NewMessage;
  resolve(outcome: SendOutcome): void;
  reject(error: unknown): void;
}

/** Work that must not interleave with the thread's writes (taking a member in or out). */
interface Task {
  run(): Promise<void>;
  reject(error: unknown): void;
}

const isTask = (item: Pending | Task): item is Task => 'run' in item;

const keyOf = (m: { readonly senderId: string; readonly clientMessageId: string }) => `${m.senderId}\u0000${m.clientMessageId}`;

/**
 * Stores a thread's messages in the order they came, each batch in one
 * statement while the previous one is in flight (group commit), and answers
 * each sender only once their message is durable. A client message id seen
 * before gets its first answer back and nothing is stored again.
 */
export class ThreadWriter {
  private queue: Array<Pending | Task> = [];
  private writing = false;
  private draining: Promise<void> = Promise.resolve();
  private shut: AppError | undefined;
  /**
   * A write failed without an answer (the database dropped mid-commit): it may have
   * committed. The thread is reloaded from storage before the next write, so its
   * resends are answered with the sequence they got and nothing is stored twice.
   */
  private uncertain = false;
  private readonly known = new RecentSends(REMEMBERED_KEYS);

  constructor(
    private readonly matchId: string,
    private readonly store: ChatStore,
    private readonly thread: ThreadWriterHost,
    recent: readonly StoredMessageKey[],
  ) {
    for (const key of recent) this.remember(key);
  }

  send(message: NewMessage): Promise<SendOutcome> {
    if (this.shut) return Promise.reject(this.shut);
    const known = this.known.get(message.senderId, message.clientMessageId);
    if (known) return Promise.resolve({ ...known, repeated: true });
    return new Promise<SendOutcome>((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (!this.writing) this.draining = this.drain();
    });
  }

  /**
   * Runs `task` in the thread's write order: after every message handed in before
   * it is stored or refused, and before any handed in after it. A membership change
   * taken this way can never fall between a batch's numbering and its notices.
   */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    if (this.shut) return Promise.reject(this.shut);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: () => task().then(resolve, reject), reject });
      if (!this.writing) this.draining = this.drain();
    });
  }

  /** Refuses everything waiting and everything after, with `error`. */
  close(error: AppError): void {
    this.shut ??= error;
    for (const pending of this.queue.splice(0)) pending.reject(this.shut);
  }

  /** Resolves once every message handed in so far is stored or refused: a stopping node waits for it. */
  idle(): Promise<void> {
    return this.draining;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0 && !this.shut) {
        if (isTask(this.queue[0]!)) {
          await (this.queue.shift() as Task).run();
          continue;
        }
        let size = 1;
        while (size < this.queue.length && size < MAX_BATCH && !isTask(this.queue[size]!)) size++;
        const batch = this.queue.splice(0, size) as Pending[];
        // Whatever fails unforeseen, no sender is left waiting (settled ones ignore this).
        await this.write(batch).catch((error: unknown) => batch.forEach((pending) => pending.reject(error)));
      }
    } finally {
      this.writing = false;
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    // Resends: answered from memory, or by the first copy within this batch.
    let fresh: Pending[] = [];
    const followers = new Map<string, Pending[]>();
    for (const pending of batch) {
      const key = keyOf(pending.message);
      const known = this.known.get(pending.message.senderId, pending.message.clientMessageId);
      if (known) pending.resolve({ ...known, repeated: true });
      else if (followers.has(key)) followers.get(key)!.push(pending);
      else {
        followers.set(key, []);
        fresh.push(pending);
      }
    }
    const settle = (pending: Pending, stored: { seq: number; at: number }, repeated: boolean) => {
      pending.resolve({ seq: stored.seq, at: stored.at, repeated });
      for (const follower of followers.get(keyOf(pending.message)) ?? []) follower.resolve({ seq: stored.seq, at: stored.at, repeated: true });
    };
    const fail = (pendings: readonly Pending[], error: unknown) => {
      for (const pending of pendings) {
        pending.reject(error);
        for (const follower of followers.get(keyOf(pending.message)) ?? []) follower.reject(error);
      }
    };

    let resyncs = 0;
    while (fresh.length > 0) {
      if (this.shut) return fail(fresh, this.shut);
      if (this.uncertain) {
        try {
          for (const key of await this.thread.resync()) this.remember(key);
        } catch (error) {
          return fail(fresh, error);
        }
        this.uncertain = false;
        // What the uncertain write did store answers its resends now.
        fresh = fresh.filter((pending) => {
          const stored = this.known.get(pending.message.senderId, pending.message.clientMessageId);
          if (stored) settle(pending, stored, true);
          return !stored;
        });
        continue;
      }
      const expectedLastSeq = this.thread.lastSeq();
      const numbered = fresh.map((p, i) => ({ ...p.message, seq: expectedLastSeq + i + 1 }));
      let outcome: StoreOutcome;
      try {
        outcome = await this.store.store({ matchId: this.matchId, expectedLastSeq, messages: numbered, notify: this.thread.noticesFor(numbered), colleagueIds: this.thread.colleagues().colleagueIds() });
      } catch (error) {
        // Stored or not, nobody knows: nothing is acknowledged, the senders resend under the same ids.
        this.uncertain = true;
        return fail(fresh, error);
      }
      switch (outcome.kind) {
        case 'stored': {
          for (const message of outcome.messages) this.remember(message);
          for (const userId of outcome.departed) this.thread.colleagues().depart(userId);
          this.thread.onStored(outcome.messages, outcome.events);
          fresh.forEach((pending, i) => settle(pending, outcome.messages[i]!, false));
          return;
        }
        case 'duplicate': {
          // A resend of a message older than memory: answer it from storage, store the rest.
          const stored = new Map((await this.store.lookup(this.matchId, fresh.map((p) => p.message))).map((m) => [keyOf(m), m]));
          const next: Pending[] = [];
          for (const pending of fresh) {
            const found = stored.get(keyOf(pending.message));
            if (found) {
              this.remember(found);
              settle(pending, found, true);
            } else next.push(pending);
          }
          if (next.length === fresh.length) return fail(fresh, new AppError(ErrorCode.INTERNAL, 'message ids collided but none is stored'));
          fresh = next;
          break;
        }
        case 'departed': {
          // Taken out before the batch committed: what they sent is refused, the rest numbered again.
          const gone = new Set(outcome.senders);
          fail(fresh.filter((pending) => gone.has(pending.message.senderId)), new AppError(ErrorCode.NOT_A_MEMBER, 'you are no longer in this thread'));
          fresh = fresh.filter((pending) => !gone.has(pending.message.senderId));
          for (const userId of outcome.departed) this.thread.colleagues().depart(userId);
          break;
        }
        case 'closed': {
          // Why is told to each member by the thread's close (a block only to whoever made it).
          this.close(new AppError(ErrorCode.THREAD_CLOSED, 'this thread is closed'));
          fail(fresh, this.shut);
          this.thread.onClosed(outcome);
          return;
        }
        case 'moved': {
          if (resyncs++ < MAX_RESYNCS) {
            try {
              for (const key of await this.thread.resync()) this.remember(key);
            } catch (error) {
              return fail(fresh, error);
            }
            break; // again, from the sequence storage holds
          }
          this.close(new AppError(ErrorCode.ACTOR_UNAVAILABLE, 'this thread moved; rejoin and resend'));
          fail(fresh, this.shut);
          this.thread.onConflict(outcome.lastSeq);
          return;
        }
      }
    }
  }

  private remember(key: StoredMessageKey): void {
    this.known.remember(key);
  }
}
