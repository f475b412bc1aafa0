import { DEFAULT_JOURNEY_LIMITS } from '../../src/journeys/journey-limits';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { createWebhookDestination, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { AudiencesApi, isMember, loadAudienceExample } from './audience-fixtures';

/**
 * Windows slide without any event: "Product Added at least once within 1 day" (scaled to 3 s) loses a
 * shopper when the day passes, and "Order Completed zero times within 180 days" (scaled to 3 s) gains one.
 */
describe('audiences: sliding windows', () => {
  const WINDOW_MS = 3_000;
  let itinera: TestApp;
  let receiver: RecordingServer;
  let audiences: AudiencesApi;
  let webhook: string;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { journeyLimits: { ...DEFAULT_JOURNEY_LIMITS, maxPublishedPerWorkspace: 20 } } });
    receiver = await startRecordingServer();
    audiences = new AudiencesApi(itinera.graphql);
    webhook = await createWebhookDestination(itinera.graphql, receiver.url);
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  const addedAt = async (userId: string) =>
    (await itinera.db.query(`SELECT max(timestamp) AS at FROM events WHERE user_id = $1 AND event = 'Product Added'`, [userId])).rows[0].at.getTime();
  const membershipEvents = (userId: string) =>
    itinera.db
      .query(`SELECT type, detail->>'event' AS event, at FROM activities WHERE user_id = $1 AND detail->>'event' LIKE 'Audience %' ORDER BY id`, [userId])
      .then((r) => r.rows as { type: string; event: string; at: Date }[]);

  describe('a shopper in "Product Added within 1 day"', () => {
    let audienceId: string;
    let journeyId: string;

    beforeAll(async () => {
      audienceId = (
        await audiences.create({
          name: 'Recent product adders',
          condition: { performed: [{ event: 'Product Added', atLeast: 1, within: 'PT3S' }] },
        })
      ).id;
      // The journey holds each entrant until they leave the audience or order, and says which happened.
      journeyId = (
        await publishJourney(itinera.graphql, {
          name: 'Recent product adders',
          trigger: { type: 'AUDIENCE', audienceId },
          steps: [
            {
              key: 'in_audience',
              name: 'While in the audience',
              type: 'HOLD_UNTIL',
              hold: {
                branches: [
                  {
                    key: 'left',
                    match: { event: 'Audience Exited', filters: [{ path: 'properties.audience_id', operator: 'EQUALS', values: [audienceId] }] },
                    next: 'left_audience',
                  },
                  { key: 'ordered', match: { event: 'Order Completed' } },
                ],
                maxDuration: 'PT1M',
              },
            },
            {
              key: 'left_audience',
              name: 'Left the audience',
              type: 'SEND',
              send: { destinationId: webhook, action: 'send', eventName: 'Left recent product adders', mapping: { data: { user: { '@path': '$.userId' } } } },
            },
          ],
        })
      ).id;
    });

    const leftAt = (userId: string) =>
      waitFor(() => receiver.requests.find((r) => (r.json as any)?.userId === userId && (r.json as any)?.key === 'left_audience')?.receivedAt, {
        what: `${userId} to leave the audience`,
      });

    it('leaves the audience when the window passes with no new Product Added, and the journey sees Audience Exited', async () => {
      await itinera.ingestion.send({ userId: 'shopper-1', event: 'Product Added', properties: { product_id: '507f1f77', name: 'Monopoly', price: 18.99 } });
      await waitFor(() => isMember(itinera, audienceId, 'shopper-1'), { what: 'shopper-1 to enter' });

      await leftAt('shopper-1');
      expect(await isMember(itinera, audienceId, 'shopper-1')).toBe(false);
      const [entered, exited] = await membershipEvents('shopper-1');
      expect([`${entered.type} ${entered.event}`, `${exited.type} ${exited.event}`]).toEqual(['ENTERED Audience Entered', 'HOLD_MATCHED Audience Exited']);
      // Measured on the server: from the event's timestamp to the runtime applying Audience Exited.
      const sinceAdded = exited.at.getTime() - (await addedAt('shopper-1'));
      expect(sinceAdded).toBeGreaterThanOrEqual(WINDOW_MS);
      // The user is woken at the recheck (a delayed job, found within a poll interval): the window slides within about that.
      expect(sinceAdded).toBeLessThan(WINDOW_MS + 2_000);
      const { rows } = await itinera.db.query('SELECT status FROM journey_instances WHERE journey_id = $1 AND user_id = $2', [journeyId, 'shopper-1']);
      expect(rows).toEqual([{ status: 'COMPLETED' }]);
    });

    it('stays while a later Product Added is inside the window: the window slides from the latest one', async () => {
      const now = Date.now();
      // Two adds, the first stamped 2 s ago: alone it would have left the window after 1 s more.
      await itinera.ingestion.batch([
        { type: 'track', userId: 'shopper-2', event: 'Product Added', timestamp: new Date(now - 2_000).toISOString(), properties: { product_id: '1' } },
        { type: 'track', userId: 'shopper-2', event: 'Product Added', timestamp: new Date(now).toISOString(), properties: { product_id: '2' } },
      ]);
      await leftAt('shopper-2');
      const events = await membershipEvents('shopper-2');
      expect(events.map((a) => a.event)).toEqual(['Audience Entered', 'Audience Exited']);
      expect(events[1].at.getTime() - now).toBeGreaterThanOrEqual(WINDOW_MS);
    });

    it('keeps no recheck for a shopper once nothing can change by time alone', async () => {
      await leftAt('shopper-1');
      const { rows } = await itinera.db.query('SELECT * FROM audience_rechecks WHERE audience_id = $1 AND user_id = $2', [audienceId, 'shopper-1']);
      expect(rows).toEqual([]);
    });
  });

  describe('a purchaser in "Order Completed at least once, and zero times within 180 days"', () => {
    it('enters by time alone when the last order leaves the window', async () => {
      const { audience } = loadAudienceExample('02-low-recency-winback.json', {}, { P180D: 'PT3S' });
      const { id } = await audiences.create(audience!);
      await itinera.ingestion.send({ userId: 'buyer-1', event: 'Order Completed', properties: { order_id: '50314b8e', total: 27.5 } });
      await waitFor(() => isMember(itinera, id, 'buyer-1'), { what: 'buyer-1 to enter the low recency purchasers' });
      const { rows } = await itinera.db.query(
        `SELECT m.entered_at, e.timestamp FROM audience_memberships m JOIN events e ON e.user_id = m.user_id
          WHERE m.audience_id = $1 AND m.user_id = 'buyer-1' AND e.event = 'Order Completed'`,
        [id],
      );
      const sinceOrdered = rows[0].entered_at.getTime() - rows[0].timestamp.getTime();
      expect(sinceOrdered).toBeGreaterThanOrEqual(WINDOW_MS);
      expect(sinceOrdered).toBeLessThan(WINDOW_MS + 2_000);
      // A user who never ordered is not a "purchaser", whatever the window says.
      await itinera.ingestion.send({ userId: 'browser-1', event: 'Order Completed', properties: { order_id: 'x' }, timestamp: '2020-01-01T00:00:00Z' });
      await itinera.ingestion.identify({ userId: 'browser-2', traits: { name: 'No orders' } });
      await waitFor(() => isMember(itinera, id, 'browser-1'));
      expect(await isMember(itinera, id, 'browser-2')).toBe(false);
    });
  });
});
