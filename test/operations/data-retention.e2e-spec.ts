import { DataRetention } from '../../src/operations/data-retention';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { AudiencesApi } from '../audiences/audience-fixtures';
import { createWebhookDestination, instancesOf, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

const DAY_MS = 86_400_000;

/** Retention with the clock moved 40 days forward: the defaults keep 30 days of history and 2 of finished jobs. */
describe('data retention', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let waiting: { id: string };
  let quick: { id: string };

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    const webhook = await createWebhookDestination(itinera.graphql, receiver.url);
    waiting = await publishJourney(itinera.graphql, {
      name: 'waits for months',
      trigger: { type: 'EVENT', event: { event: 'Application_Started' } },
      steps: [{ key: 'months', name: 'Months', type: 'WAIT', wait: { duration: 'P100D' } }],
    });
    quick = await publishJourney(itinera.graphql, {
      name: 'thanks at once',
      trigger: { type: 'EVENT', event: { event: 'Order_Confirmation' } },
      steps: [{ key: 'thanks', name: 'Thanks', type: 'SEND', send: { destinationId: webhook, action: 'send', mapping: { data: { user: { '@path': '$.userId' } } } } }],
    });
    // Counts Order Completed over 90 days: those events must outlive the 30 days of retention.
    await new AudiencesApi(itinera.graphql).create({
      name: 'buyers this quarter',
      condition: { match: 'ALL', filters: [], performed: [{ event: 'Order Completed', filters: [], atLeast: 1, within: 'P90D' }] },
    });

    await itinera.ingestion.track({ userId: 'still-waiting', event: 'Application_Started', properties: { Application_id: '1234' } });
    await itinera.ingestion.track({ userId: 'done', event: 'Order_Confirmation', properties: { cart_ID: '123456' } });
    await itinera.ingestion.track({ userId: 'done', event: 'Order Completed' });
    await itinera.ingestion.track({ userId: 'done', event: 'Browsed' });
    await waitFor(async () => (await instancesOf(itinera.db, waiting.id)).length === 1, { what: 'the waiting instance' });
    await waitFor(async () => (await instancesOf(itinera.db, quick.id)).some((i) => i.status === 'COMPLETED'), { what: 'the quick one to complete' });
    await waitFor(async () => (await itinera.db.query(`SELECT status FROM deliveries`)).rows[0]?.status === 'DELIVERED', { what: 'the thanks delivered' });
    await waitFor(async () => (await itinera.db.query(`SELECT count(*) AS n FROM events e JOIN event_cursors c USING (workspace_id, user_id) WHERE e.seq <= c.applied_seq`)).rows[0].n === '4', {
      what: 'every event applied',
    });
    // A workspace with no audience and no journey reading Browsed: its event gets no job and its user no
    // cursor (issue 19), and must still age out.
    const elsewhere = await itinera.createWorkspace('no audiences');
    await elsewhere.ingestion.send({ userId: 'browser-only', event: 'Browsed' });
    expect((await itinera.db.query(`SELECT applies FROM events WHERE user_id = 'browser-only'`)).rows).toEqual([{ applies: false }]);
    // Finished jobs as pg-boss archives them after an hour.
    await itinera.db.query(`INSERT INTO pgboss.archive SELECT j.*, now() FROM pgboss.job j WHERE j.state = 'completed'`);
    await itinera.db.query(`DELETE FROM pgboss.job WHERE state = 'completed'`);
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  const rows = async (sql: string) => (await itinera.db.query(sql)).rows;

  it('keeps everything younger than the retention', async () => {
    const retention = itinera.app.get(DataRetention);
    expect(await retention.purge(new Date(Date.now() + DAY_MS))).toEqual({ events: 0, activities: 0, deliveries: 0, jobs: 0 });
  });

  it('removes old events, activity, deliveries and finished jobs in small batches, keeping what running instances and performed clauses need', async () => {
    const archived = Number((await rows(`SELECT count(*) AS n FROM pgboss.archive`))[0].n);
    const doneActivities = Number((await rows(`SELECT count(*) AS n FROM activities WHERE user_id = 'done'`))[0].n);
    expect(archived).toBeGreaterThan(0);
    const retention = itinera.app.get(DataRetention);
    retention.batchSize = 2;

    const removed = await retention.purge(new Date(Date.now() + 40 * DAY_MS));

    // The waiting user's entry event, and the Order Completed the audience still counts over 90 days.
    expect(await rows(`SELECT user_id, event FROM events ORDER BY seq`)).toEqual([
      { user_id: 'still-waiting', event: 'Application_Started' },
      { user_id: 'done', event: 'Order Completed' },
    ]);
    // The running instance's timeline; the finished one's is gone.
    expect(await rows(`SELECT DISTINCT user_id FROM activities`)).toEqual([{ user_id: 'still-waiting' }]);
    expect(await rows(`SELECT count(*) AS n FROM deliveries`)).toEqual([{ n: '0' }]);
    expect(await rows(`SELECT count(*) AS n FROM pgboss.archive`)).toEqual([{ n: '0' }]);
    // Of them, 'browser-only''s Browsed, which no journey could read, though no cursor ever passed it.
    expect(removed).toEqual({ events: 3, activities: doneActivities, deliveries: 1, jobs: archived });

    // Profiles and instances are never removed by retention.
    expect(await rows(`SELECT user_id FROM profiles ORDER BY user_id`)).toEqual([{ user_id: 'browser-only' }, { user_id: 'done' }, { user_id: 'still-waiting' }]);
    expect((await instancesOf(itinera.db, waiting.id))[0]).toMatchObject({ status: 'ACTIVE', current_step: 'months' });
  });
});
