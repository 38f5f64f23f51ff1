/**
 * A Map of at most `limit` entries that starts over when full: for memos of pure functions whose
 * keys come from callers (an access key's second, a field name, a method and path). Recurring keys
 * are found again at once; forgetting only costs computing a value again.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.limit && !this.has(key)) this.clear();
    return super.set(key, value);
  }
}
