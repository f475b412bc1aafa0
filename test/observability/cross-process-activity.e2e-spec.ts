import { ItineraProcess, spawnItinera } from '../harness/itinera-process';
import { createWebhookDestination, loadExample, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { ActivitySocket, waitForSubscribers } from './live-activity';
import { applicationEvent } from '../harness/seed-messages';

/**
 * SPEC 6: "every activity record reaches subscribers of its workspace within a second, whichever process
 * wrote it". The API runs in the test process (role api, no workers); the journeys run in a worker,
 * a separate OS process on the same database, whose records reach the API only through LISTEN/NOTIFY.
 */
describe('live activity written by a worker process', () => {
  let itinera: TestApp;
  let worker: ItineraProcess;
  let socket: ActivitySocket;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { role: 'api' } });
    worker = await spawnItinera({ ITINERA_ROLE: 'worker', DATABASE_URL: itinera.databaseUrl });
  });
  afterAll(async () => {
    await socket?.close();
    if (worker?.child.exitCode === null) await worker.stop();
    await itinera.close();
  });

  it('reaches a subscriber of the API process, every record once, the median within a second of being written', async () => {
    const webhook = await createWebhookDestination(itinera.graphql, 'http://127.0.0.1:9/unused');
    const journey = await publishJourney(itinera.graphql, loadExample('02-application-abandonment.json', { destinationId: webhook }));
    socket = new ActivitySocket(itinera.url, `Bearer ${itinera.workspace.adminToken}`);
    const watch = socket.watch({ journeyId: journey.id });
    await waitForSubscribers(itinera, itinera.workspace.workspaceId, 1);

    // 20 applications started and completed: ENTERED, STEP_ENTERED, HOLD_MATCHED, COMPLETED each.
    const users = Array.from({ length: 20 }, (_, i) => `applicant-${i}`);
    for (const userId of users) {
      expect((await itinera.ingestion.batch([applicationEvent('applicationStarted', userId, `app-${userId}`), applicationEvent('applicationCompleted', userId, `app-${userId}`)])).status).toBe(200);
    }
    await waitFor(() => watch.types().filter((type) => type === 'COMPLETED').length === users.length, {
      what: `${users.length} completions to reach the subscriber`,
      timeoutMs: 30_000,
    });

    const written = (await itinera.db.query('SELECT id FROM activities WHERE journey_id = $1 ORDER BY id', [journey.id])).rows.map((r) => String(r.id));
    expect(written).toHaveLength(users.length * 4);
    expect([...watch.records.map((r) => r.id)].sort((a, b) => Number(a) - Number(b))).toEqual(written);

    // `at` is when the worker made the change (same machine, same clock); the transaction commits a
    // little later, so this latency slightly overstates the real one.
    const latencies = watch.records.map((r) => r.receivedAt - Date.parse(r.at)).sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)];
    console.log(`activity from a worker process: median ${median} ms, max ${latencies[latencies.length - 1]} ms over ${latencies.length} records`);
    expect(median).toBeLessThan(1000);
  });
});
