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
