import { startTestApp } from '../harness/test-app';

describe('restart', () => {
  it('keeps every accepted event and profile across a graceful stop and a start on the same database', async () => {
    const first = await startTestApp();
    const accepted = Array.from({ length: 50 }, (_, i) => ({
      type: 'track',
      userId: `restart-${i % 5}`,
      event: 'Application_Started',
      properties: { Application_id: String(1000 + i) },
      messageId: `restart-msg-${i}`,
    }));
    expect((await first.ingestion.batch(accepted)).status).toBe(200);
    expect((await first.ingestion.identify({ userId: 'restart-0', traits: { first_name: 'Grace' } })).status).toBe(200);
    await first.close();

    const second = await startTestApp({ databaseUrl: first.databaseUrl, workspace: first.workspace });
    try {
      const stored = await second.db.query(`SELECT message_id FROM events WHERE type = 'track' ORDER BY seq`);
      expect(stored.rows.map((r) => r.message_id)).toEqual(accepted.map((m) => m.messageId));
      expect(await second.graphql.query(`{ profile(userId: "restart-0") { traits } }`)).toEqual({ profile: { traits: { first_name: 'Grace' } } });
      // Deduplication survives the restart too.
      expect((await second.ingestion.batch(accepted.slice(0, 3))).status).toBe(200);
      expect((await second.db.query(`SELECT count(*)::int AS n FROM events WHERE type = 'track'`)).rows[0].n).toBe(50);
    } finally {
      await second.close();
    }
  });
});
