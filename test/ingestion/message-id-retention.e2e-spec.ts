import { MessageIdRetention } from '../../src/ingestion/message-id-retention';
import { startTestApp, TestApp } from '../harness/test-app';

describe('messageId retention', () => {
  let itinera: TestApp;

  beforeAll(async () => {
    itinera = await startTestApp();
  });
  afterAll(() => itinera.close());

  const track = (messageId: string) => itinera.ingestion.track({ userId: 'retention-1', event: 'Cart_Viewed', messageId });
  const stored = async () => (await itinera.db.query(`SELECT message_id FROM events WHERE user_id = 'retention-1' ORDER BY seq`)).rows.map((r) => r.message_id);

  it('forgets messageIds older than 24 hours, in batches, and keeps the recent ones', async () => {
    for (let i = 0; i < 7; i++) expect((await track(`old-${i}`)).status).toBe(200);
    expect((await track('recent')).status).toBe(200);
    await itinera.db.query(`UPDATE message_ids SET received_at = now() - interval '25 hours' WHERE message_id LIKE 'old-%'`);

    const retention = itinera.app.get(MessageIdRetention);
    retention.batchSize = 3;
    expect(await retention.purgeExpired()).toBe(7);
    const left = (await itinera.db.query(`SELECT message_id FROM message_ids ORDER BY message_id`)).rows.map((r) => r.message_id);
    expect(left).toEqual(['recent']);

    // A forgotten messageId is a new message again; a remembered one is still a duplicate.
    expect((await track('old-0')).status).toBe(200);
    expect((await track('recent')).status).toBe(200);
    expect(await stored()).toEqual(['old-0', 'old-1', 'old-2', 'old-3', 'old-4', 'old-5', 'old-6', 'recent', 'old-0']);
  });
});
