import type { LiveEventRole } from '../../domain/liveEventRules';

/** One connection to a live event, as the event knows it. */
export interface Attendee {
  readonly userId: string;
  role: LiveEventRole;
  /** This connection holds its person's one seat (a second device shares it, unseated). */
  seated: boolean;
  /** Shadow-banned (read at their door, changed as a shadow-ban is set or lifted: EventStandings): what they say or raise reaches their own devices only. */
  hidden: boolean;
}

/**
 * An event's connections, by connection and by person, and the people whose
 * hands and words are hidden. Every join and leave asks who else of that person
 * is here, and every join which hands to show it: kept by person, these answers
 * cost the same for the two-thousandth attendee of a burst as for the first,
 * instead of a pass over everyone connected.
 */
export class EventAttendees {
  private readonly byConnection = new Map<string, Attendee>();
  private readonly byPerson = new Map<string, Attendee[]>();
  /** People with a hidden connection. */
  private readonly hidden = new Set<string>();
  /** Connections past their limit check and not yet added (their seat is being claimed), by person. */
  private readonly arriving = new Map<string, number>();
  /**
   * People a host removed. The door refuses them from storage, but a seat reserved
   * before is taken here: this actor is the event's only one, and its seats die with it.
   */
  private readonly removed = new Set<string>();

  get(sessionId: string): Attendee | undefined {
    return this.byConnection.get(sessionId);
  }

  add(sessionId: string, attendee: Attendee): void {
    this.remove(sessionId);
    this.byConnection.set(sessionId, attendee);
    const connections = this.byPerson.get(attendee.userId);
    if (connections) connections.push(attendee);
    else this.byPerson.set(attendee.userId, [attendee]);
    if (attendee.hidden) this.hidden.add(attendee.userId);
  }

  /** Forgets a connection; the attendee it was, if it was one. */
  remove(sessionId: string): Attendee | undefined {
    const attendee = this.byConnection.get(sessionId);
    if (!attendee) return undefined;
    this.byConnection.delete(sessionId);
    const others = (this.byPerson.get(attendee.userId) ?? []).filter((a) => a !== attendee);
    if (others.length > 0) this.byPerson.set(attendee.userId, others);
    else this.byPerson.delete(attendee.userId);
    if (attendee.hidden && !others.some((a) => a.hidden)) this.hidden.delete(attendee.userId);
    return attendee;
  }

  /** Every connection of one person, first connected first. */
  of(userId: string): readonly Attendee[] {
    return this.byPerson.get(userId) ?? [];
  }

  /** The people with a connection here. */
  people(): IterableIterator<string> {
    return this.byPerson.keys();
  }

  /** How many connections a person holds here, or is being admitted with. */
  held(userId: string): number {
    return this.of(userId).length + (this.arriving.get(userId) ?? 0);
  }

  /**
   * Counts a connection as held from its limit check until it is added or refused
   * (its seat is claimed meanwhile); returns what ends that. Joins of one person at
   * the same moment would otherwise all pass the limit before any of them was added.
   */
  arrive(userId: string): () => void {
    this.arriving.set(userId, (this.arriving.get(userId) ?? 0) + 1);
    return () => {
      const left = (this.arriving.get(userId) ?? 1) - 1;
      if (left > 0) this.arriving.set(userId, left);
      else this.arriving.delete(userId);
    };
  }

  /** A host removed them: from now on none of their connections is taken. */
  putOut(userId: string): void {
    this.removed.add(userId);
  }

  wasPutOut(userId: string): boolean {
    return this.removed.has(userId);
  }

  /** Hides or shows every connection of a person (a shadow-ban set or lifted); true when whether they are hidden changed. */
  setHidden(userId: string, hidden: boolean): boolean {
    const connections = this.of(userId);
    const was = this.hidden.has(userId);
    for (const attendee of connections) attendee.hidden = hidden;
    if (hidden && connections.length > 0) this.hidden.add(userId);
    else this.hidden.delete(userId);
    return was !== this.hidden.has(userId);
  }

  /** The people whose hands and words only they see. */
  hiddenIds(): ReadonlySet<string> {
    return this.hidden;
  }
}
