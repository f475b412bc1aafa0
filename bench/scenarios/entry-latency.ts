/**
 * Scenario 2: from when an event was due to be sent to the webhook sink receiving the payload that a
 * forwarding journey (entry → send) made of it, at a steady rate of single /v1/track calls.
 */
import { createWebhookDestination, publishJourney } from '../../test/harness/journeys';
import type { BenchEnvironment } from '../bench-environment';
import { forwardingJourney } from '../bench-journeys';
import { sendForwardedOrders } from '../forwarded-orders';
import { percentiles, round } from '../load';
import type { BenchSizes, Measure } from '../report';

/** Where the load goes: by default the run's API process (the api/worker split). */
export interface BenchTarget {
  apiUrl?: string;
  /** Prefixed to the rows' scenario, e.g. for the default single process. */
  scenario?: string;
}

export async function entryLatency(env: BenchEnvironment, sizes: BenchSizes, log: (line: string) => void, target: BenchTarget = {}, rates = [100, 200, 500, 1000]): Promise<Measure[]> {
  const ws = await env.createWorkspace('bench-latency', target.apiUrl);
  const webhook = await createWebhookDestination(ws.graphql, env.sink.url);
  const journey = await publishJourney(ws.graphql, forwardingJourney('forward orders', webhook));
  const received = new Map<string, number>();
  let scanned = 0;
  const collect = () => {
    for (; scanned < env.sink.requests.length; scanned++) {
      const body = env.sink.requests[scanned].json as { journeyId?: string; data?: { messageId?: string } } | undefined;
      if (body?.journeyId === journey.id && body.data?.messageId && !received.has(body.data.messageId)) {
        received.set(body.data.messageId, env.sink.requests[scanned].receivedAt);
      }
    }
  };

  const measures: Measure[] = [];
  // 100/s shows the pipeline unloaded; 500/s (the issue's target) and 1,000/s run shorter, as this machine
  // cannot sustain them.
  for (const rate of rates) {
    // A short warm-up at the same rate, not measured.
    await run(rate, Math.min(rate, 200), `warm-${rate}`);
    const seconds = rate >= 500 ? Math.min(5, sizes.latencySeconds) : sizes.latencySeconds;
    const { latencies, accepted, result } = await run(rate, rate * seconds, `r${rate}`);
    const lost = accepted - latencies.length;
    const stats = percentiles(latencies);
    log(`${rate}/s: sent ${result.sent}, accepted ${accepted}, p50 ${round(stats.p50)} ms, p95 ${round(stats.p95)} ms, p99 ${round(stats.p99)} ms, missing ${lost}`);
    measures.push({
      scenario: target.scenario ?? '2 entry → destination',
      measure: `p99 at ${rate} events/s for ${seconds} s (p50 / p95 in notes)`,
      value: stats.p99,
      unit: 'ms',
      target: rate === 500 ? { op: '<', value: 100 } : undefined,
      rawKey: 'commitP99Ms',
      higherIsBetter: false,
      note: `p50 ${round(stats.p50)} ms, p95 ${round(stats.p95)} ms, max ${round(stats.max)} ms; ${stats.n} of ${accepted} accepted events delivered${lost ? ` (${lost} NOT delivered in time)` : ''}; ${result.late} sends started late`,
    });
  }
  return measures;

  function run(rate: number, count: number, tag: string) {
    return sendForwardedOrders(ws.ingestion, { rate, count, tag, drainMs: sizes.drainSeconds * 1000 }, () => {
      collect();
      return received;
    });
  }
}
