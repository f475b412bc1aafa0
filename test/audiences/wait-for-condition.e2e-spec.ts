import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { activityTypesOf, createWebhookDestination, instancesOf, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

/**
 * WAIT_FOR_CONDITION moves on as soon as its condition holds, whatever made it hold: a track event, an
 * identify call, or a window sliding with no event at all.
 */
describe('WAIT_FOR_CONDITION, end to end', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let webhook: string;
  let journeyId: string;

  const send = (key: string) => ({
    key,
    name: key,
    type: 'SEND',
    send: { destinationId: webhook, action: 'send', eventName: key, mapping: { data: { user: { '@path': '$.userId' } } } },
  });
  const sentAt = (userId: string) =>
    waitFor(() => receiver.requests.find((r) => (r.json as any)?.userId === userId), { what: `a delivery to ${userId}`, timeoutMs: 20_000 });

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    webhook = await createWebhookDestination(itinera.graphql, receiver.url);
    // After an order: wait until the customer is a VIP, or has viewed the loyalty page, or has gone 3 s
    // without ordering again; at most 30 s.
    journeyId = (
      await publishJourney(itinera.graphql, {
        name: 'Post-order follow-up',
        trigger: { type: 'EVENT', event: { event: 'Order Completed' } },
        steps: [
          {
            key: 'settled',
            name: 'Settled',
            type: 'WAIT_FOR_CONDITION',
            waitForCondition: {
              condition: {
                match: 'ANY',
                filters: [{ path: 'traits.tier', operator: 'EQUALS', values: ['vip'] }],
                performed: [
                  { event: 'Page Viewed', filters: [{ path: 'properties.path', operator: 'EQUALS', values: ['/loyalty'] }], atLeast: 1 },
                  { event: 'Order Completed', atMost: 0, within: 'PT3S' },
                ],
              },
              maxDuration: 'PT30S',
              timeoutNext: 'timed_out',
            },
            next: 'follow_up',
          },
          send('follow_up'),
          send('timed_out'),
        ],
      })
    ).id;
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  const order = (userId: string) => itinera.ingestion.send({ userId, event: 'Order Completed', properties: { order_id: `${userId}-1`, total: 20 } });
  const waiting = (userId: string) =>
    waitFor(async () => (await instancesOf(itinera.db, journeyId, userId))[0]?.current_step === 'settled', { what: `${userId} to wait` });

  it('moves on when a Page Viewed of the loyalty page arrives', async () => {
    await order('wfc-1');
    await waiting('wfc-1');
    await itinera.ingestion.page({ userId: 'wfc-1', name: 'Loyalty', properties: { path: '/loyalty' } });
    expect((await sentAt('wfc-1')).json).toMatchObject({ key: 'follow_up' });
  });

  it('moves on when an identify call makes the customer a VIP', async () => {
    await order('wfc-2');
    await waiting('wfc-2');
    await itinera.ingestion.identify({ userId: 'wfc-2', traits: { tier: 'vip' } });
    expect((await sentAt('wfc-2')).json).toMatchObject({ key: 'follow_up' });
  });

  it('moves on by time alone once the order leaves the 3-second window, long before the 30-second deadline', async () => {
    await order('wfc-3');
    expect((await sentAt('wfc-3')).json).toMatchObject({ key: 'follow_up' });
    const [instance] = await instancesOf(itinera.db, journeyId, 'wfc-3');
    expect(await activityTypesOf(itinera.db, instance.id)).toContain('BRANCH_TAKEN:settled');
    // Measured on the server: from the order's timestamp to the condition being met.
    const { rows } = await itinera.db.query(
      `SELECT a.at, e.timestamp FROM activities a JOIN events e ON e.user_id = a.user_id
        WHERE a.instance_id = $1 AND a.type = 'BRANCH_TAKEN' AND e.event = 'Order Completed'`,
      [instance.id],
    );
    const sinceOrdered = rows[0].at.getTime() - rows[0].timestamp.getTime();
    expect(sinceOrdered).toBeGreaterThanOrEqual(3_000);
    expect(sinceOrdered).toBeLessThan(5_000);
  });
});
