import { startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import { destinationId, scheduleSend, settledDelivery, type ScheduledSend } from '../deliveries/send-step';
import { startTestApp, type TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

/** A JSON body whose strings hold what PostgreSQL cannot store, once parsed: NUL and a lone surrogate. */
const UNSTORABLE_JSON = '{"note":"bad\\u0000byte","lone":"\\ud800","nested":{"k\\u0000":["\\udc00"]}}';

/**
 * Issue 14: outcomes of attempts are recorded together; one destination answering with a NUL or a lone
 * surrogate used to roll back the whole group, which then ran again: other deliveries were sent twice
 * and some sat PENDING. Now what a destination says is made storable, and a group that still fails is
 * recorded item by item.
 */
describe('destinations answering with text PostgreSQL cannot store', () => {
  let itinera: TestApp;
  let healthy: RecordingServer;
  let nulOk: RecordingServer;
  let nulError: RecordingServer;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { deliveryRetry: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 500 } } });
    [healthy, nulOk, nulError] = await Promise.all([startRecordingServer(), startRecordingServer(), startRecordingServer()]);
    nulOk.replyWith({ status: 200, body: UNSTORABLE_JSON });
    nulError.replyWith({ status: 500, body: 'failed: \u0000 at byte 0' });
  });
  afterAll(async () => {
    await itinera.close();
    await Promise.all([healthy, nulOk, nulError].map((server) => server.close()));
  });

  const keysReceived = (server: RecordingServer) => server.requests.map((request) => request.headers['idempotency-key'] as string);

  it('records every outcome once and sends every delivery of every destination exactly once per attempt', async () => {
    const webhook = (server: RecordingServer, name: string) => destinationId(itinera, { name, plugin: 'webhook', settings: { url: server.url } });
    const [healthyId, nulOkId, nulErrorId] = await Promise.all([webhook(healthy, 'healthy'), webhook(nulOk, 'NUL in 200'), webhook(nulError, 'NUL in 500')]);
    const sends: { to: string; send: ScheduledSend }[] = [];
    for (let i = 0; i < 20; i++) {
      // Interleaved, so the outcomes of all three destinations are recorded in the same groups.
      sends.push({ to: 'healthy', send: await scheduleSend(itinera, { destinationId: healthyId }) });
      if (i % 2 === 0) sends.push({ to: 'nulOk', send: await scheduleSend(itinera, { destinationId: nulOkId }) });
      if (i % 4 === 0) sends.push({ to: 'nulError', send: await scheduleSend(itinera, { destinationId: nulErrorId }) });
    }

    const settled = await Promise.all(sends.map(async ({ to, send }) => ({ to, row: await settledDelivery(itinera, send.idempotencyKey, 30_000) })));
    const byDestination = (to: string) => settled.filter((s) => s.to === to).map((s) => s.row);

    expect(byDestination('healthy').map((row) => row.status)).toEqual(Array(20).fill('DELIVERED'));
    for (const row of byDestination('nulOk')) {
      expect(row).toMatchObject({ status: 'DELIVERED', attempts: 1, response: { note: 'bad\uFFFDbyte', lone: '\uFFFD', nested: { 'k\uFFFD': ['\uFFFD'] } } });
    }
    for (const row of byDestination('nulError')) {
      expect(row).toMatchObject({ status: 'FAILED', attempts: 2 });
      expect(row.last_error).toContain('failed: \uFFFD at byte 0');
    }

    // Exactly once per attempt: no group was rolled back and run again.
    const sentTo = (to: string) => sends.filter((s) => s.to === to).map((s) => s.send.idempotencyKey).sort();
    expect(keysReceived(healthy).sort()).toEqual(sentTo('healthy'));
    expect(keysReceived(nulOk).sort()).toEqual(sentTo('nulOk'));
    expect(keysReceived(nulError).sort()).toEqual([...sentTo('nulError'), ...sentTo('nulError')].sort());

    // Each outcome's activity record is there too, with the storable text.
    const failures = await itinera.db.query(`SELECT detail FROM activities WHERE type = 'SEND_FAILED'`);
    expect(failures.rows.map((r) => r.detail.error)).toEqual(Array(5).fill(expect.stringContaining('\uFFFD')));
    await waitFor(async () => Number((await itinera.db.query(`SELECT count(*) AS n FROM pgboss.job WHERE name = 'deliveries' AND state = 'failed'`)).rows[0].n) === 0);
  });
});
