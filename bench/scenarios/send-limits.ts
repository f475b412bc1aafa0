/**
 * Scenario 9: send limits do not slow other workspaces. Workspace A (no limits) forwards orders at a steady
 * rate; its entry-to-destination latency is measured alone; then while two neighbour workspaces send the
 * same load without limits (what the load alone costs on this machine); then while B sends to a destination
 * limited to RATE_LIMIT deliveries a second (a growing backlog waits its turns) and C, capped at one send per
 * user a day, sends for a few users over and over (most of its sends are skipped by the cap). The limits
 * slow no one when the last two rows are alike.
 *
 * The two neighbour conditions alternate over several rounds and each pools its rounds' latencies, so a
 * drift of the shared machine does not land on one of them. A's rate leaves the machine some headroom: at
 * saturation, queueing noise would swamp the difference being measured.
 */
import { randomUUID } from 'node:crypto';
import { publishJourney } from '../../test/harness/journeys';
import type { BenchEnvironment, BenchWorkspace } from '../bench-environment';
import { forwardingJourney } from '../bench-journeys';
import { sendForwardedOrders } from '../forwarded-orders';
import { openLoop, percentiles, pollUntil, round } from '../load';
import type { BenchSizes, Measure } from '../report';

const RATE = 50;
/** Each neighbour's events a second: B's backlog grows by NEIGHBOUR_RATE - RATE_LIMIT a second while A is measured. */
const NEIGHBOUR_RATE = RATE / 2;
const RATE_LIMIT = RATE / 5;
const CAPPED_USERS = 20;
const ROUNDS = 3;

export async function sendLimits(env: BenchEnvironment, sizes: BenchSizes, log: (line: string) => void): Promise<Measure[]> {
  const seconds = sizes.quick ? 5 : Math.min(15, sizes.latencySeconds);
  const rounds = sizes.quick ? 1 : ROUNDS;
  const a = await env.createWorkspace('bench-limits-free');
  const b = await env.createWorkspace('bench-limits-rate');
  const c = await env.createWorkspace('bench-limits-capped');
  const plainB = await env.createWorkspace('bench-limits-plain-b');
  const plainC = await env.createWorkspace('bench-limits-plain-c');
  const destination = async (ws: BenchWorkspace, name: string, rateLimit?: { max: number; per: 'SECOND' }) =>
    (await ws.graphql.query(`mutation ($input: DestinationInput!) { createDestination(input: $input) { id } }`, {
      input: { name, plugin: 'webhook', settings: { url: `${env.sink.url}/${name}` }, rateLimit: rateLimit ?? null },
    })).createDestination.id as string;
  const free = await publishJourney(a.graphql, forwardingJourney('forward orders', await destination(a, 'free')));
  const limited = await publishJourney(b.graphql, forwardingJourney('forward to a slow partner', await destination(b, 'slow', { max: RATE_LIMIT, per: 'SECOND' })));
  await publishJourney(c.graphql, forwardingJourney('order offers', await destination(c, 'capped')));
  for (const plain of [plainB, plainC]) await publishJourney(plain.graphql, forwardingJourney('forward orders', await destination(plain, `plain-${plain.name}`)));
  await c.graphql.query(`mutation { setFrequencyCaps(caps: [{ max: 1, within: "P1D" }]) { max } }`);

  const received = new Map<string, number>();
  let scanned = 0;
  let limitedArrivals: number[] = [];
  const collect = () => {
    for (; scanned < env.sink.requests.length; scanned++) {
      const request = env.sink.requests[scanned];
      const body = request.json as { journeyId?: string; data?: { messageId?: string } } | undefined;
      if (body?.journeyId === free.id && body.data?.messageId) received.set(body.data.messageId, request.receivedAt);
      if (body?.journeyId === limited.id) limitedArrivals.push(request.receivedAt);
    }
  };

  await forwardFree(Math.min(RATE, 200), 'warm');
  const alone = percentiles((await forwardFree(RATE * seconds, 'alone')).latencies);
  log(`A alone: p50 ${round(alone.p50)} ms, p99 ${round(alone.p99)} ms (${alone.n} deliveries)`);

  const plainLatencies: number[] = [];
  const busyLatencies: number[] = [];
  const limitedRates: number[] = [];
  const roundP99s: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const plainRound = await withNeighbours(plainB, plainC, `plain${i}`);
    limitedArrivals = [];
    const busyRound = await withNeighbours(b, c, `busy${i}`);
    plainLatencies.push(...plainRound);
    busyLatencies.push(...busyRound);
    roundP99s.push(`${round(percentiles(plainRound).p99)} / ${round(percentiles(busyRound).p99)}`);
    log(`round ${i + 1}: A's p99 ${roundP99s[i]} ms (neighbours without limits / with)`);
    // B's backlog drains at its limit before the next round, which would otherwise not be without limits.
    await pollUntil(async () => (await env.count(`SELECT count(*) AS n FROM deliveries WHERE workspace_id = $1 AND status <> 'DELIVERED'`, [b.workspaceId])) === 0, {
      maxMs: sizes.drainSeconds * 1000,
      intervalMs: 250,
    });
    collect();
    limitedRates.push(limitedArrivals.length > 1 ? ((limitedArrivals.length - 1) * 1000) / (Math.max(...limitedArrivals) - Math.min(...limitedArrivals)) : 0);
  }
  const plain = percentiles(plainLatencies);
  const busy = percentiles(busyLatencies);
  log(`A with neighbours without limits: p50 ${round(plain.p50)} ms, p99 ${round(plain.p99)} ms (${plain.n} deliveries)`);
  log(`A with B rate-limited and C capped: p50 ${round(busy.p50)} ms, p99 ${round(busy.p99)} ms (${busy.n} deliveries)`);
  const limitedRate = limitedRates.reduce((sum, rate) => sum + rate, 0) / limitedRates.length;
  const limitedCount = await env.count(`SELECT count(*) AS n FROM deliveries WHERE workspace_id = $1`, [b.workspaceId]);
  const skipped = await env.count(`SELECT count(*) AS n FROM activities WHERE workspace_id = $1 AND type = 'SEND_SKIPPED'`, [c.workspaceId]);
  log(`B: ${limitedCount} deliveries, arriving at ${round(limitedRate, 1)}/s while backlogged (limit ${RATE_LIMIT}/s); C: ${skipped} sends skipped by its cap`);

  const row = (measure: string, value: number, note: string): Measure => ({ scenario: '9 send limits', measure, value, unit: 'ms', higherIsBetter: false, note });
  return [
    row(`A alone: p99 at ${RATE} events/s for ${seconds} s`, alone.p99, `p50 ${round(alone.p50)} ms; ${alone.n} delivered`),
    row(`A while two neighbours without limits send ${NEIGHBOUR_RATE} events/s each: p99 (${rounds} rounds of ${seconds} s)`, plain.p99, `p50 ${round(plain.p50)} ms; ${plain.n} delivered`),
    row(
      `A while B is rate-limited and C capped: p99 (${rounds} rounds of ${seconds} s, alternating with the row above)`,
      busy.p99,
      `p50 ${round(busy.p50)} ms; ${busy.n} delivered; ${round(busy.p99 / Math.max(plain.p99, 1), 2)}× with neighbours without limits (rounds' p99 without / with: ${roundP99s.join(', ')} ms). B and C each ${NEIGHBOUR_RATE} events/s: B's deliveries arrived at ${round(limitedRate, 1)}/s (limit ${RATE_LIMIT}), C's cap skipped ${skipped}`,
    ),
    { scenario: '9 send limits', measure: `B's rate-limited deliveries, per second while backlogged (limit ${RATE_LIMIT})`, value: limitedRate, unit: '/s', higherIsBetter: true, note: `${limitedCount} deliveries, each round's from its first arrival to its backlog's last` },
  ];

  /** A's latencies while the two neighbours send: one order per user (the first), many per user (the second). */
  async function withNeighbours(first: BenchWorkspace, second: BenchWorkspace, label: string): Promise<number[]> {
    const tag = `${label}-${randomUUID().slice(0, 8)}`;
    const neighbours = Promise.all([
      neighbourLoad(first, (i) => `${tag}-b-${i}`),
      // Few users, each of many orders: with a cap, after each user's first the cap skips them.
      neighbourLoad(second, (i) => `${tag}-c-${i % CAPPED_USERS}`),
    ]);
    const { latencies } = await forwardFree(RATE * seconds, label);
    await neighbours;
    collect();
    return latencies;
  }

  /** Neighbour traffic for as long as A is measured: one order per user (B) or many per user (C). */
  async function neighbourLoad(ws: BenchWorkspace, userOf: (i: number) => string): Promise<void> {
    await openLoop({ rate: NEIGHBOUR_RATE, count: NEIGHBOUR_RATE * seconds, maxMs: seconds * 1000 + 2_000 }, async (i) => {
      const response = await ws.ingestion.track({ userId: userOf(i), event: 'Order_Confirmation', messageId: randomUUID(), properties: { cart_ID: `cart-${i}` } });
      return response.status === 200;
    });
  }

  /** A's orders at RATE/s, each for its own user, and its deliveries' latencies (see sendForwardedOrders). */
  function forwardFree(count: number, label: string) {
    return sendForwardedOrders(a.ingestion, { rate: RATE, count, tag: label, drainMs: sizes.drainSeconds * 1000 }, () => {
      collect();
      return received;
    });
  }
}
