import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { ItineraProcess, spawnItinera } from '../harness/itinera-process';
import { createWebhookDestination, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { RELIABILITY_TIMEOUT_MS, reliabilitySize } from './reliability-sizes';

const QUIET_USERS = reliabilitySize('QUIET_USERS', 40);
const MINUTE = 60_000;
/** Tokyo keeps +09:00 all year: the test computes its wall times on its own. */
const tokyoWallTime = (ms: number) => new Date(ms + 9 * 3_600_000).toISOString().slice(11, 16);

/**
 * Deferred sends under two worker processes: every end-of-quiet-hours timer is there three times over,
 * and half the users send an exit event right as the window ends. Each instance must end one way, once:
 * delivered exactly once and completed, or exited with nothing sent.
 */
describe('quiet hours: deferred sends racing exits and duplicate timers', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  const workers: ItineraProcess[] = [];

  beforeAll(async () => {
    itinera = await startTestApp({ config: { role: 'api' } });
    receiver = await startRecordingServer();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => (w.child.exitCode === null ? w.kill() : undefined)));
    await itinera.close();
    await receiver.close();
  });

  const count = async (sql: string, params: unknown[] = []) => Number((await itinera.db.query(sql, params)).rows[0].n);

  it(`delivers each deferred send at most once, never after an exit (${QUIET_USERS} users, two workers)`, async () => {
    const env = { ITINERA_ROLE: 'worker', DATABASE_URL: itinera.databaseUrl };
    workers.push(...(await Promise.all([spawnItinera(env), spawnItinera(env)])));
    const webhook = await createWebhookDestination(itinera.graphql, receiver.url);
    // The window ends at the next minute boundary at least 15 s away (wall times have minute precision).
    const boundary = Math.ceil((Date.now() + 15_000) / MINUTE) * MINUTE;
    const journey = await publishJourney(itinera.graphql, {
      name: 'Cart reminder, quiet at night',
      trigger: { type: 'EVENT', event: { event: 'Cart_Viewed' } },
      exit: [{ event: 'Order_Confirmation' }],
      timeZone: 'Asia/Tokyo',
      quietHours: { start: tokyoWallTime(Date.now() - MINUTE), end: tokyoWallTime(boundary), mode: 'DEFER' },
      steps: [{ key: 'cart_reminder', name: 'Cart reminder', type: 'SEND', send: { destinationId: webhook, action: 'send', mapping: { data: { user: { '@path': '$.userId' } } } } }],
    });
    const users = Array.from({ length: QUIET_USERS }, (_, i) => `cart-${i}`);
    const viewed = users.map((userId) => ({ type: 'track', userId, event: 'Cart_Viewed', properties: { cart_ID: `c-${userId}` } }));
    expect((await itinera.ingestion.batch(viewed)).status).toBe(200);
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM activities WHERE journey_id = $1 AND type = 'SEND_DEFERRED'`, [journey.id])) === QUIET_USERS, {
      what: `${QUIET_USERS} deferred sends`,
      timeoutMs: RELIABILITY_TIMEOUT_MS,
    });

    await itinera.db.query(
      `INSERT INTO pgboss.job (name, data, priority, start_after, expire_in, keep_until, retry_limit, retry_delay, retry_backoff, policy)
       SELECT j.name, j.data, j.priority, j.start_after, j.expire_in, j.keep_until, j.retry_limit, j.retry_delay, j.retry_backoff, j.policy
       FROM pgboss.job j, generate_series(1, 2) WHERE j.name = 'instance-timers' AND j.state = 'created' AND j.data->>'kind' = 'QUIET_HOURS_ENDED'
         AND j.data->>'instanceId' IN (SELECT id::text FROM journey_instances WHERE journey_id = $1)`,
      [journey.id],
    );
    // Half the users order around the window's end: a quarter just before it, a quarter right at it.
    const ordering = users.filter((_, i) => i % 2 === 0);
    const order = (userIds: string[]) => itinera.ingestion.batch(userIds.map((userId) => ({ type: 'track', userId, event: 'Order_Confirmation' })));
    await waitFor(() => Date.now() >= boundary - 400, { intervalMs: 5, what: 'just before the end of the quiet hours', timeoutMs: 2 * MINUTE });
    expect((await order(ordering.filter((_, i) => i % 2 === 0))).status).toBe(200);
    await waitFor(() => Date.now() >= boundary, { intervalMs: 5, what: 'the end of the quiet hours' });
    expect((await order(ordering.filter((_, i) => i % 2 === 1))).status).toBe(200);

    await waitFor(async () => (await count(`SELECT count(*) AS n FROM journey_instances WHERE journey_id = $1 AND status = 'ACTIVE'`, [journey.id])) === 0, {
      what: 'every instance to end',
      timeoutMs: RELIABILITY_TIMEOUT_MS,
    });
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM pgboss.job WHERE name IN ('instance-timers', 'user-events') AND state < 'completed'`)) === 0, {
      what: 'every copy of every job to have run',
      timeoutMs: RELIABILITY_TIMEOUT_MS,
    });

    const instances: { user_id: string; status: string; deliveries: number }[] = (
      await itinera.db.query(
        `SELECT i.user_id, i.status, (SELECT count(*)::int FROM deliveries d WHERE d.instance_id = i.id) AS deliveries
           FROM journey_instances i WHERE i.journey_id = $1`,
        [journey.id],
      )
    ).rows;
    expect(instances).toHaveLength(QUIET_USERS);
    expect(instances.filter((i) => !((i.status === 'COMPLETED' && i.deliveries === 1) || (i.status === 'EXITED' && i.deliveries === 0)))).toEqual([]);
    // Users who never ordered always get their reminder.
    const completed = instances.filter((i) => i.status === 'COMPLETED');
    expect(completed.length).toBeGreaterThanOrEqual(QUIET_USERS - ordering.length);

    const sentTo = () => receiver.requests.map((r) => r.json as { journeyId?: string; data?: { user: string } }).filter((b) => b.journeyId === journey.id);
    await waitFor(() => sentTo().length >= completed.length, { what: `${completed.length} reminders`, timeoutMs: RELIABILITY_TIMEOUT_MS });
    expect(sentTo().map((b) => b.data!.user).sort()).toEqual(completed.map((i) => i.user_id).sort());
    expect(Math.min(...receiver.requests.filter((r) => (r.json as { journeyId?: string }).journeyId === journey.id).map((r) => r.receivedAt))).toBeGreaterThanOrEqual(boundary);
    console.log(`two workers, tripled timers: ${completed.length} reminders delivered once at the end of the quiet hours, ${QUIET_USERS - completed.length} exited first`);
  }, RELIABILITY_TIMEOUT_MS * 3);
});
