import { openLoop, pollUntil, sleep, type OpenLoopResult } from './load';
import type { LoadClient } from './load-client';

export interface ForwardedOrders {
  /** Per delivered order, from when it was due to be sent to its arrival at the sink, in ms. */
  latencies: number[];
  accepted: number;
  result: OpenLoopResult;
}

/**
 * Sends `count` Order_Confirmation events at `rate`/s, each for its own user, to a workspace whose journey
 * forwards them, and waits (up to `drainMs`) for their deliveries. `arrivals()` reads the sink: each
 * forwarded order's messageId with the time it arrived.
 *
 * Latency counts from when the event was due to be sent, as a user's request would be: counted from the
 * API's answer instead, a slow API would hide its own queueing (and a fast one would look worse behind it).
 */
export async function sendForwardedOrders(
  ingestion: LoadClient,
  { rate, count, tag, drainMs }: { rate: number; count: number; tag: string; drainMs: number },
  arrivals: () => ReadonlyMap<string, number>,
): Promise<ForwardedOrders> {
  const dueAt = new Map<string, number>();
  const loopStart = Date.now();
  const result = await openLoop({ rate, count, maxMs: (count / rate) * 1000 + 5_000 }, async (i) => {
    const messageId = `${tag}-${i}`;
    const response = await ingestion.track({ userId: `${tag}-user-${i}`, event: 'Order_Confirmation', messageId, properties: { cart_ID: `cart-${i}` } });
    if (response.status !== 200) return false;
    dueAt.set(messageId, loopStart + (i * 1000) / rate);
    return true;
  });
  await pollUntil(
    async () => {
      const received = arrivals();
      return [...dueAt.keys()].every((id) => received.has(id));
    },
    { maxMs: drainMs, intervalMs: 100 },
  );
  await sleep(200);
  const received = arrivals();
  const latencies = [...dueAt].flatMap(([id, at]) => (received.has(id) ? [received.get(id)! - at] : []));
  return { latencies, accepted: dueAt.size, result };
}
