/**
 * What a node heard lately, by key, kept `keepMs` after it was heard: a Map in the order
 * heard (a key heard again moves to the end), so forgetting stops at the first entry
 * still young enough. Discovery's withdrawn and edited cards are kept this way, as long
 * as a cached deck lives.
 */
export class RecentEntries<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly atMs: number }>();

  constructor(private readonly keepMs: number) {}

  set(key: string, value: V, nowMs: number): void {
    this.entries.delete(key); // re-added at the end, keeping the map in time order
    this.entries.set(key, { value, atMs: nowMs });
  }

  get(key: string): { readonly value: V; readonly atMs: number } | undefined {
    return this.entries.get(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Forgets what was heard more than `keepMs` before `nowMs`. */
  prune(nowMs: number): void {
    for (const [key, { atMs }] of this.entries) {
      if (nowMs - atMs <= this.keepMs) break; // insertion order is time order
      this.entries.delete(key);
    }
  }
}
