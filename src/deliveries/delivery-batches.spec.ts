import type { ActionDefinition } from '@itinera/plugin-kit';
import { batchingFor, DeliveryBatches } from './delivery-batches';

describe('DeliveryBatches', () => {
  it('sends a group as soon as it is full, and hands each item the outcome at its position', async () => {
    const sent: string[][] = [];
    const batches = new DeliveryBatches<string, string>(async (items) => {
      sent.push(items);
      return items.map((item) => item.toUpperCase());
    });
    const outcomes = Promise.all(['a', 'b', 'c'].map((item) => batches.add('d1:send', item, { size: 3, maxWaitMs: 60_000 })));
    await expect(outcomes).resolves.toEqual(['A', 'B', 'C']);
    expect(sent).toEqual([['a', 'b', 'c']]);
  });

  it('sends a group that does not fill after its first item waited maxWaitMs, keeping keys apart', async () => {
    const sent: string[][] = [];
    const batches = new DeliveryBatches<string, number>(async (items) => {
      sent.push(items);
      return items.map((_, index) => index);
    });
    const started = Date.now();
    const outcomes = await Promise.all([
      batches.add('d1:send', 'a', { size: 10, maxWaitMs: 100 }),
      batches.add('d2:send', 'x', { size: 10, maxWaitMs: 100 }),
      batches.add('d1:send', 'b', { size: 10, maxWaitMs: 100 }),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(outcomes).toEqual([0, 0, 1]);
    expect(sent).toEqual([['a', 'b'], ['x']]);
  });

  it('rejects every item of a group whose call fails', async () => {
    const batches = new DeliveryBatches<string, string>(async () => Promise.reject(new Error('lost')));
    const outcomes = ['a', 'b'].map((item) => batches.add('k', item, { size: 2, maxWaitMs: 1000 }));
    await expect(Promise.all(outcomes.map((outcome) => outcome.catch((error: Error) => error.message)))).resolves.toEqual(['lost', 'lost']);
  });
});

describe('batchingFor', () => {
  const action = (batching?: ActionDefinition['batching']): ActionDefinition => ({ title: 'Send', fields: {}, perform: async () => undefined, batching });

  it("takes the destination's settings, else the plugin's choice, else the defaults, within bounds", () => {
    expect(batchingFor(action(), {})).toEqual({ size: 100, maxWaitMs: 1000 });
    expect(batchingFor(action({ size: 20, maxWaitMs: 250 }), {})).toEqual({ size: 20, maxWaitMs: 250 });
    expect(batchingFor(action({ size: 20 }), { batchSize: 5, batchMaxWaitMs: 50 })).toEqual({ size: 5, maxWaitMs: 50 });
    expect(batchingFor(action(), { batchSize: 0, batchMaxWaitMs: 1e9 })).toEqual({ size: 1, maxWaitMs: 10_000 });
  });
});
