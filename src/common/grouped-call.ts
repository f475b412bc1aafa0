/**
 * Calls `send` with every item added while the previous call was in flight: the first item goes at
 * once, later ones wait for at most one call. Each `add` resolves when its item's call has.
 */
export class GroupedCall<Item> {
  private waiting: { items: Item[]; done: Promise<void> } | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(private readonly send: (items: Item[]) => Promise<unknown>) {}

  add(item: Item): Promise<void> {
    if (!this.waiting) {
      const items: Item[] = [];
      const done = (this.inFlight ?? Promise.resolve()).catch(() => undefined).then(() => {
        this.waiting = null;
        return this.send(items).then(() => undefined);
      });
      this.inFlight = done;
      this.waiting = { items, done };
    }
    this.waiting.items.push(item);
    return this.waiting.done;
  }
}

/**
 * Loads by key, one `loadMany` call for all the keys asked for in the same tick (e.g. by the jobs of
 * one fetch, each started on its own): one query instead of one per key.
 */
export class GroupedLoad<Key, Value> {
  private pending: { keys: Key[]; loaded: Promise<Map<Key, Value>> } | null = null;

  constructor(private readonly loadMany: (keys: Key[]) => Promise<Map<Key, Value>>) {}

  async load(key: Key): Promise<Value | undefined> {
    if (!this.pending) {
      const keys: Key[] = [];
      const loaded = Promise.resolve().then(() => {
        this.pending = null;
        return this.loadMany(keys);
      });
      this.pending = { keys, loaded };
    }
    this.pending.keys.push(key);
    return (await this.pending.loaded).get(key);
  }
}

/**
 * Sends `items` together; when that fails, sends each alone, so one item that cannot be written does not
 * take the others with it. Throws the first single failure once every item has had its own try.
 */
export async function eachAloneOnFailure<Item>(items: Item[], send: (items: Item[]) => Promise<void>, onSingleFailure?: (item: Item, error: unknown) => void): Promise<void> {
  try {
    await send(items);
    return;
  } catch (error) {
    if (items.length <= 1) throw error;
  }
  let firstFailure: { error: unknown } | undefined;
  for (const item of items) {
    try {
      await send([item]);
    } catch (error) {
      onSingleFailure?.(item, error);
      firstFailure ??= { error };
    }
  }
  if (firstFailure) throw firstFailure.error;
}
