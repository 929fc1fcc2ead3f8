/**
 * Values a process keeps for its readers until a write says they changed, in this copy or in any
 * other (NoticedCache in @im/events does it with change notices). A repository that takes one
 * reads through `get` where a read may be a moment old, reads its store directly before a write
 * of its own (a compare-and-set wants what is stored), and calls `changed` after each write.
 */
export interface KeptValues<V> {
  /** The kept value of `key`, else `fetch`'s (kept when safe); `fetch` answers undefined for none. */
  get(key: string, fetch: () => Promise<V | undefined>): Promise<V | undefined>;
  /** After a write of `keys`: forgotten here at once, and in every other copy when it hears. */
  changed(keys: readonly string[]): void;
}
