import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { scheduleSend } from '../deliveries/send-step';
import { ItineraProcess, spawnItinera } from '../harness/itinera-process';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

const CREATE = `mutation ($input: DestinationInput!) { createDestination(input: $input) { id rateLimit { max per } } }`;
const RATE = 5;
const LIMITED = 20;

/**
 * Issue 17: destination rate limits. At most N deliveries per second to a destination, however many worker
 * processes attempt them; deliveries over the rate wait their turn (none is dropped), and they hold no
 * worker slot meanwhile, so another destination's deliveries are not held up.
 */
describe('destination rate limits', () => {
  let itinera: TestApp;
  let limitedReceiver: RecordingServer;
  let freeReceiver: RecordingServer;
  const workers: ItineraProcess[] = [];

  beforeAll(async () => {
    // Only the two worker processes deliver: the receivers share this process, and its own deliveries
    // would delay when they note arrivals.
    itinera = await startTestApp({ config: { role: 'api' } });
    [limitedReceiver, freeReceiver] = await Promise.all([startRecordingServer(), startRecordingServer()]);
    const env = { DATABASE_URL: itinera.databaseUrl, ITINERA_RECONCILE_SECONDS: '0', ITINERA_ROLE: 'worker', ITINERA_QUEUE_POLL_SECONDS: '0.5' };
    workers.push(...(await Promise.all([spawnItinera(env), spawnItinera(env)])));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill()));
    await itinera?.close();
    await limitedReceiver?.close();
    await freeReceiver?.close();
  });

  it('refuses a wrong rate limit with the destination’s other problems', async () => {
    const error = await itinera.graphql.error(CREATE, { input: { name: ' ', plugin: 'webhook', settings: { url: limitedReceiver.url }, rateLimit: { max: 0, per: 'SECOND' } } });
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.problems?.map((problem) => problem.path)).toEqual(expect.arrayContaining(['name', 'rateLimit.max']));
  });

  it(`holds ${RATE}/s across two worker processes, drops none, and does not hold up another destination`, async () => {
    const { createDestination: limited } = await itinera.graphql.query(CREATE, {
      input: { name: 'slow partner', plugin: 'webhook', settings: { url: limitedReceiver.url }, rateLimit: { max: RATE, per: 'SECOND' } },
    });
    expect(limited.rateLimit).toEqual({ max: RATE, per: 'SECOND' });
    const { createDestination: free } = await itinera.graphql.query(CREATE, { input: { name: 'fast partner', plugin: 'webhook', settings: { url: freeReceiver.url } } });
    // Both workers' first requests to the receiver (connections, first runs of the plugin) are made first,
    // through an unlimited destination at the same address, so they do not blur the measured arrivals.
    const { createDestination: warmUp } = await itinera.graphql.query(CREATE, { input: { name: 'warm-up', plugin: 'webhook', settings: { url: `${limitedReceiver.url}/warm-up` } } });
    await Promise.all(Array.from({ length: 8 }, () => scheduleSend(itinera, { destinationId: warmUp.id })));
    await waitFor(async () => limitedReceiver.requests.length === 8, { timeoutMs: 30_000, what: 'the warm-up deliveries' });
    limitedReceiver.requests.splice(0);

    const limitedKeys = await Promise.all(Array.from({ length: LIMITED }, () => scheduleSend(itinera, { destinationId: limited.id })));
    const freeKeys = await Promise.all(Array.from({ length: LIMITED }, () => scheduleSend(itinera, { destinationId: free.id })));
    await waitFor(async () => limitedReceiver.requests.length >= LIMITED && freeReceiver.requests.length >= LIMITED, {
      timeoutMs: 60_000,
      what: 'every delivery to arrive',
    });

    // None dropped, none twice.
    const arrivedKeys = (server: RecordingServer) => server.requests.map((request) => (request.json as { idempotencyKey: string }).idempotencyKey).sort();
    expect(arrivedKeys(limitedReceiver)).toEqual(limitedKeys.map((send) => send.idempotencyKey).sort());
    expect(arrivedKeys(freeReceiver)).toEqual(freeKeys.map((send) => send.idempotencyKey).sort());
    const { rows } = await itinera.db.query(`SELECT status, count(*)::int AS n FROM deliveries WHERE destination_id = $1 GROUP BY status`, [limited.id]);
    expect(rows).toEqual([{ status: 'DELIVERED', n: LIMITED }]);

    // The limit holds for attempts' starts, on PostgreSQL's clock: no span of a second holds more than RATE,
    // so the (RATE+1)th start after any start is a second later.
    const { deliveries } = await itinera.graphql.query(`query ($id: ID!) { deliveries(destinationId: $id, first: ${LIMITED}) { nodes { idempotencyKey lastAttemptStartedAt } } }`, { id: limited.id });
    const startedAt = new Map<string, number>(deliveries.nodes.map((node: { idempotencyKey: string; lastAttemptStartedAt: string }) => [node.idempotencyKey, Date.parse(node.lastAttemptStartedAt)]));
    const starts = [...startedAt.values()].sort((a, b) => a - b);
    expect(tightestSpan(starts, RATE)).toBeGreaterThanOrEqual(1_000);
    // Nor does it go much slower than the rate when a backlog waits (turns are reserved, not polled for).
    expect(starts[starts.length - 1] - starts[0]).toBeLessThan(((LIMITED - 1) / RATE) * 1_000 * 2);
    // Each start was taken before its request went: it arrived after it (one machine, one clock). How much
    // after varies with the load, so the receiver may see them up to that much closer together.
    const lateness = limitedReceiver.requests.map((request) => request.receivedAt - startedAt.get((request.json as { idempotencyKey: string }).idempotencyKey)!);
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0);

    // The other destination's deliveries went meanwhile, not after the slow one's backlog.
    const lastFree = Math.max(...freeReceiver.requests.map((request) => request.receivedAt));
    expect(lastFree).toBeLessThan(Math.max(...limitedReceiver.requests.map((request) => request.receivedAt)) - 1_000);
  }, 120_000);
});

/** The shortest time from any of the sorted `times` to the one `count` places later. */
function tightestSpan(times: number[], count: number): number {
  return Math.min(...times.slice(count).map((time, i) => time - times[i]));
}
