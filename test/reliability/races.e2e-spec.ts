import { randomUUID } from 'node:crypto';
import { DEFAULT_JOURNEY_LIMITS } from '../../src/journeys/journey-limits';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { ItineraProcess, spawnItinera } from '../harness/itinera-process';
import { createWebhookDestination, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { RELIABILITY_TIMEOUT_MS, reliabilitySize } from './reliability-sizes';

const RACE_USERS = reliabilitySize('RACE_USERS', 200);
const DUPLICATE_REQUESTS = reliabilitySize('DUPLICATE_REQUESTS', 40);

/**
 * Races, counted. (An event and a hold timeout landing at the same instant is covered by
 * test/runtime/guarantees.e2e-spec.ts, "resolves an event and a timeout racing on the same hold".)
 */
describe('races', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  const workers: ItineraProcess[] = [];

  beforeAll(async () => {
    itinera = await startTestApp({ config: { role: 'api', journeyLimits: { ...DEFAULT_JOURNEY_LIMITS, maxPublishedPerWorkspace: 10 } } });
    receiver = await startRecordingServer();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => (w.child.exitCode === null ? w.kill() : undefined)));
    await itinera.close();
    await receiver.close();
  });

  const count = async (sql: string, params: unknown[] = []) => Number((await itinera.db.query(sql, params)).rows[0].n);

  it(`advances each instance exactly once when two worker processes get the same user's events and timers (${RACE_USERS} users)`, async () => {
    const env = { ITINERA_ROLE: 'worker', DATABASE_URL: itinera.databaseUrl };
    workers.push(...(await Promise.all([spawnItinera(env), spawnItinera(env)])));
    const webhook = await createWebhookDestination(itinera.graphql, receiver.url);
    const journey = await publishJourney(itinera.graphql, {
      name: 'two workers, one instance',
      trigger: { type: 'EVENT', event: { event: 'Application_Started' } },
      steps: [
        {
          key: 'wait_for_completion',
          name: 'Wait for completion',
          type: 'HOLD_UNTIL',
          hold: { branches: [{ key: 'completed', match: { event: 'Application_Completed' } }], maxDuration: 'PT10S', timeoutNext: 'nudge' },
        },
        { key: 'nudge', name: 'Nudge', type: 'SEND', send: { destinationId: webhook, action: 'send', mapping: { data: { user: { '@path': '$.userId' } } } } },
      ],
    });
    const users = Array.from({ length: RACE_USERS }, (_, i) => `race-${i}`);
    for (let i = 0; i < users.length; i += 100) {
      const started = users.slice(i, i + 100).map((userId) => ({ type: 'track', userId, event: 'Application_Started', properties: { Application_id: `a-${userId}` } }));
      expect((await itinera.ingestion.batch(started)).status).toBe(200);
    }
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM journey_instances WHERE journey_id = $1 AND waiting_until IS NOT NULL`, [journey.id])) === RACE_USERS, {
      what: `${RACE_USERS} instances waiting`,
      timeoutMs: RELIABILITY_TIMEOUT_MS,
    });

    // Every hold timeout is there three times over (as when a job is redelivered while it still runs), so
    // both workers fetch copies of one user's timer at once.
    await itinera.db.query(
      `INSERT INTO pgboss.job (name, data, priority, start_after, expire_in, keep_until, retry_limit, retry_delay, retry_backoff, policy)
       SELECT j.name, j.data, j.priority, j.start_after, j.expire_in, j.keep_until, j.retry_limit, j.retry_delay, j.retry_backoff, j.policy
       FROM pgboss.job j, generate_series(1, 2) WHERE j.name = 'instance-timers' AND j.state = 'created' AND j.data->>'instanceId' IN (
         SELECT id::text FROM journey_instances WHERE journey_id = $1)`,
      [journey.id],
    );
    // Half the users complete right at their deadline, with their user-events job doubled too.
    const deadline = Math.min(...(await itinera.db.query('SELECT waiting_until FROM journey_instances WHERE journey_id = $1', [journey.id])).rows.map((r) => r.waiting_until.getTime()));
    await waitFor(() => Date.now() >= deadline - 50, { intervalMs: 5, what: 'the first deadline' });
    const completing = users.filter((_, i) => i % 2 === 0);
    for (let i = 0; i < completing.length; i += 100) {
      const completed = completing.slice(i, i + 100).map((userId) => ({ type: 'track', userId, event: 'Application_Completed' }));
      expect((await itinera.ingestion.batch(completed)).status).toBe(200);
    }
    await itinera.db.query(
      `INSERT INTO pgboss.job (name, data, expire_in, keep_until, retry_limit, retry_delay, retry_backoff, policy)
       SELECT q.name, jsonb_build_object('workspaceId', $1::text, 'userId', u), interval '30 seconds', now() + interval '1 day', q.retry_limit, q.retry_delay, q.retry_backoff, 'standard'
       FROM pgboss.queue q, unnest($2::text[]) AS u, generate_series(1, 2) WHERE q.name = 'user-events'`,
      [itinera.workspace.workspaceId, completing],
    );
    await itinera.db.query(`SELECT pg_notify('itinera_jobs', 'user-events')`);

    await waitFor(async () => (await count(`SELECT count(*) AS n FROM journey_instances WHERE journey_id = $1 AND status = 'COMPLETED'`, [journey.id])) === RACE_USERS, {
      timeoutMs: RELIABILITY_TIMEOUT_MS,
      what: `${RACE_USERS} completed instances`,
    });
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM pgboss.job WHERE name IN ('instance-timers', 'user-events') AND state < 'completed'`)) === 0, {
      what: 'every copy of every job to have run',
      timeoutMs: RELIABILITY_TIMEOUT_MS,
    });
    const outcomes = (
      await itinera.db.query(
        `SELECT instance_id, count(*) FILTER (WHERE type IN ('HOLD_MATCHED', 'HOLD_TIMED_OUT'))::int AS outcomes,
                count(*) FILTER (WHERE type = 'HOLD_TIMED_OUT')::int AS timed_out, count(*) FILTER (WHERE type = 'COMPLETED')::int AS completed
         FROM activities WHERE journey_id = $1 GROUP BY instance_id`,
        [journey.id],
      )
    ).rows;
    expect(outcomes).toHaveLength(RACE_USERS);
    expect(outcomes.filter((r) => r.outcomes !== 1 || r.completed !== 1)).toEqual([]);
    const timedOut = outcomes.filter((r) => r.timed_out === 1).length;
    // Users who did not complete always time out; the others went one way or the other, once.
    expect(timedOut).toBeGreaterThanOrEqual(RACE_USERS - completing.length);
    expect(await count('SELECT count(*) AS n FROM deliveries WHERE journey_id = $1', [journey.id])).toBe(timedOut);
    const nudged = () => receiver.requests.map((r) => (r.json as { journeyId?: string; idempotencyKey?: string }) ?? {}).filter((b) => b.journeyId === journey.id);
    await waitFor(() => nudged().length >= timedOut, { what: `${timedOut} nudges`, timeoutMs: RELIABILITY_TIMEOUT_MS });
    expect(new Set(nudged().map((b) => b.idempotencyKey)).size).toBe(timedOut);
    const copies = await count(`SELECT count(*) AS n FROM pgboss.job WHERE name IN ('instance-timers', 'user-events') AND state = 'completed'`);
    console.log(`two workers: ${copies} jobs run for ${RACE_USERS} users; ${RACE_USERS - timedOut} matched, ${timedOut} timed out, each exactly once`);
  }, RELIABILITY_TIMEOUT_MS * 2);

  it(`stores each messageId once when ${DUPLICATE_REQUESTS} requests carry the same messageIds at the same time`, async () => {
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const message = (id: string, i: number) => ({ type: 'track', userId: `dup-${i % 5}`, event: 'Order_Confirmation', messageId: id, properties: { cart_ID: id } });
    const requests = Array.from({ length: DUPLICATE_REQUESTS }, (_, r) => {
      // The same messages in a different order per request, batched or one by one.
      const order = ids.map((id, i) => ({ id, i })).sort((a, b) => ((a.i * 7 + r) % 20) - ((b.i * 7 + r) % 20));
      if (r % 4 === 3) return Promise.all(order.map(({ id, i }) => itinera.ingestion.track(message(id, i)))).then((answers) => answers.map((a) => a.status));
      return itinera.ingestion.batch(order.map(({ id, i }) => message(id, i))).then((answer) => [answer.status]);
    });
    const statuses = (await Promise.all(requests)).flat();
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(await count('SELECT count(*) AS n FROM events WHERE message_id = ANY($1)', [ids])).toBe(ids.length);
    expect(await count('SELECT count(DISTINCT message_id) AS n FROM events WHERE message_id = ANY($1)', [ids])).toBe(ids.length);
    expect(await count('SELECT count(*) AS n FROM message_ids WHERE message_id = ANY($1)', [ids])).toBe(ids.length);
  });
});
