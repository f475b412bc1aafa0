import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { StrandedEventsReconciler } from '../../src/ingestion/stranded-events-reconciler';
import { QueueService } from '../../src/queue/queue.service';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { createWebhookDestination, instancesOf, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

/** The safety net under "every accepted event is applied", and the job hold that ingestion relies on. */
describe('stranded events', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let reconciler: StrandedEventsReconciler;
  let journeyId: string;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { reconcileSeconds: 0, reconcileGraceSeconds: 0 } });
    receiver = await startRecordingServer();
    reconciler = itinera.app.get(StrandedEventsReconciler);
    const webhook = await createWebhookDestination(itinera.graphql, receiver.url);
    journeyId = (
      await publishJourney(itinera.graphql, {
        name: 'orders',
        trigger: { type: 'EVENT', event: { event: 'Order_Confirmation' } },
        entry: { mode: 'REENTER_EVERY_TIME', uniqueIdentifier: 'properties.cart_ID' },
        steps: [{ key: 'confirm', name: 'Confirm', type: 'SEND', send: { destinationId: webhook, action: 'send', mapping: { data: { cart: { '@path': '$.entry.properties.cart_ID' } } } } }],
      })
    ).id;
  });
  afterAll(async () => {
    await itinera?.close();
    await receiver?.close();
  });

  /** An event stored as ingestion stores it, but with its job lost. */
  const strandEvent = (userId: string, cartId: string) =>
    itinera.db.query(
      `INSERT INTO events (workspace_id, user_id, type, event, properties, message_id, timestamp) VALUES ($1, $2, 'track', 'Order_Confirmation', $3, $4, now())`,
      [itinera.workspace.workspaceId, userId, { cart_ID: cartId }, randomUUID()],
    );

  it('finds events past their user’s cursor with no job, gives the user a job, and then finds none', async () => {
    await itinera.ingestion.send({ userId: 'stranded-1', event: 'Order_Confirmation', properties: { cart_ID: 'c-1' } });
    await waitFor(async () => (await instancesOf(itinera.db, journeyId, 'stranded-1')).length === 1, { what: 'the first order applied' });
    await strandEvent('stranded-1', 'c-2');
    await strandEvent('stranded-2', 'c-3');
    await strandEvent('stranded-2', 'c-4');

    expect(await reconciler.sweep()).toEqual({ examined: 4, strandedUsers: 2, strandedEvents: 3 });
    await waitFor(async () => (await instancesOf(itinera.db, journeyId, 'stranded-2')).length === 2, { what: 'the stranded orders applied' });
    expect((await instancesOf(itinera.db, journeyId, 'stranded-1')).map((i) => i.unique_id)).toEqual(['c-1', 'c-2']);
    expect((await instancesOf(itinera.db, journeyId, 'stranded-2')).map((i) => i.unique_id)).toEqual(['c-3', 'c-4']);

    // The watermark moved past what is applied: the next sweep looks only at newer events.
    expect(await reconciler.sweep()).toEqual({ examined: 3, strandedUsers: 0, strandedEvents: 0 });
    expect(await reconciler.sweep()).toEqual({ examined: 0, strandedUsers: 0, strandedEvents: 0 });
  });

  it('leaves alone events whose job is waiting, and looks at them again next sweep', async () => {
    await strandEvent('waiting-1', 'c-5');
    const queue = itinera.app.get(QueueService);
    const workspaceId = itinera.workspace.workspaceId;
    await queue.enqueue([{ queue: 'user-events', data: { workspaceId, userId: 'waiting-1' }, singletonKey: `${workspaceId}:waiting-1`, startAfter: new Date(Date.now() + 3_000) }]);
    expect(await reconciler.sweep()).toEqual({ examined: 1, strandedUsers: 0, strandedEvents: 0 });
    await waitFor(async () => (await instancesOf(itinera.db, journeyId, 'waiting-1')).length === 1, { what: 'the delayed job to apply the event' });
    expect(await reconciler.sweep()).toEqual({ examined: 1, strandedUsers: 0, strandedEvents: 0 });
  });

  it('holds a waiting job until the enqueueing transaction commits, even one that was already waiting', async () => {
    const queue = itinera.app.get(QueueService);
    await queue.defineQueue({ name: 'held-test', policy: 'short' });
    await queue.enqueue([{ queue: 'held-test', data: { n: 1 }, singletonKey: 'k' }]);
    const takeable = async () =>
      (await itinera.db.query(`SELECT id FROM pgboss.job WHERE name = 'held-test' AND state = 'created' FOR UPDATE SKIP LOCKED`)).rows.length;
    expect(await takeable()).toBe(1);

    const dataSource = itinera.app.get(DataSource);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const transaction = dataSource.transaction(async (manager) => {
      await queue.enqueueHeldUntilCommit('held-test', [{ data: { n: 2 }, singletonKey: 'k' }, { data: { n: 3 }, singletonKey: 'k2' }], manager);
      held();
      await released;
    });
    await holding;
    // The job already waiting for k is visible but locked (k2's is not committed yet): no worker can take either.
    expect((await itinera.db.query(`SELECT singleton_key FROM pgboss.job WHERE name = 'held-test' AND state = 'created'`)).rows).toEqual([{ singleton_key: 'k' }]);
    expect(await takeable()).toBe(0);
    release();
    await transaction;
    expect(await takeable()).toBe(2);
  });
});
