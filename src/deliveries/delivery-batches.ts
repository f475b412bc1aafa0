import type { ActionDefinition, BatchingOptions } from '@itinera/plugin-kit';

/** Bounds on what a plugin or a destination may ask for: a batch is one request and one attempt's deadline. */
export const BATCH_LIMITS = { size: { default: 100, max: 1000 }, maxWaitMs: { default: 1000, max: 10_000 } };

/** The grouping for deliveries to `action`: the destination's `batchSize` / `batchMaxWaitMs` settings, else the plugin's, else the defaults. */
export function batchingFor(action: ActionDefinition, settings: Record<string, unknown>): Required<BatchingOptions> {
  const pick = (setting: unknown, declared: number | undefined, { default: fallback, max }: { default: number; max: number }, min: number) => {
    const value = typeof setting === 'number' && Number.isFinite(setting) ? setting : (declared ?? fallback);
    return Math.min(max, Math.max(min, Math.floor(value)));
  };
  return {
    size: pick(settings.batchSize, action.batching?.size, BATCH_LIMITS.size, 1),
    maxWaitMs: pick(settings.batchMaxWaitMs, action.batching?.maxWaitMs, BATCH_LIMITS.maxWaitMs, 0),
  };
}

interface Waiting<Item, Outcome> {
  item: Item;
  resolve(outcome: Outcome): void;
  reject(error: unknown): void;
}

/**
 * Groups items by key until a group holds `size` items or its first item has waited `maxWaitMs`, then
 * sends the group in one call and hands each item its own outcome (by position).
 */
export class DeliveryBatches<Item, Outcome> {
  private readonly open = new Map<string, { waiting: Waiting<Item, Outcome>[]; timer: NodeJS.Timeout }>();

  constructor(private readonly send: (items: Item[]) => Promise<Outcome[]>) {}

  add(key: string, item: Item, { size, maxWaitMs }: Required<BatchingOptions>): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      let group = this.open.get(key);
      if (!group) {
        group = { waiting: [], timer: setTimeout(() => this.flush(key), maxWaitMs) };
        this.open.set(key, group);
      }
      group.waiting.push({ item, resolve, reject });
      if (group.waiting.length >= size) this.flush(key);
    });
  }

  /** Sends every open group now (shutdown). */
  flushAll(): void {
    for (const key of [...this.open.keys()]) this.flush(key);
  }

  private flush(key: string): void {
    const group = this.open.get(key);
    if (!group) return;
    this.open.delete(key);
    clearTimeout(group.timer);
    const { waiting } = group;
    this.send(waiting.map((entry) => entry.item)).then(
      (outcomes) => waiting.forEach((entry, index) => entry.resolve(outcomes[index])),
      (error) => waiting.forEach((entry) => entry.reject(error)),
    );
  }
}
