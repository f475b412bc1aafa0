import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { findFreePort } from '../../src/database/embedded-postgres';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { createWebhookDestination, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { RELIABILITY_TIMEOUT_MS, reliabilitySize } from './reliability-sizes';
import { SeparatePostgres, startSeparatePostgres } from './separate-postgres';

const OUTAGE_SECONDS = reliabilitySize('OUTAGE_SECONDS', 10);

interface Attempt {
  messageIds: string[];
  sentAt: number;
  answeredAt: number;
  status: number;
}

/**
 * PostgreSQL stops for ~10 s while events keep coming: ingestion answers 503 (never 200) and health
 * says not ready while it is down; afterwards everything resumes, every event that got a 200 is stored,
 * and the forwarding journey delivers each of them. This file runs its own PostgreSQL, which it stops.
 */
describe('a database outage under load', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'itinera-outage-pg-'));
  let port: number;
  let postgres: SeparatePostgres;
  let itinera: TestApp;
  let receiver: RecordingServer;

  const startPostgres = () => startSeparatePostgres(dataDir, port);

  // The outage makes every part of the app log connection errors, as it should; they are not news here.
  const logLevel = process.env.LOG_LEVEL;
  beforeAll(async () => {
    process.env.LOG_LEVEL = 'silent';
    port = await findFreePort();
    postgres = await startPostgres();
    const client = new Client({ connectionString: postgres.url });
    await client.connect();
    await client.query('CREATE DATABASE itinera_outage');
    await client.end();
    itinera = await startTestApp({
      databaseUrl: postgres.url.replace(/\/postgres$/, '/itinera_outage'),
      // Jobs that were running when the database went away come back within seconds.
      config: { jobExpireSeconds: 3, queueMaintenanceSeconds: 1, deliveryJobExpireSeconds: 4 },
    });
    // The test's own connections break too: that is expected, not a crash.
    itinera.db.on('error', () => undefined);
    receiver = await startRecordingServer();
  });
  afterAll(async () => {
    await itinera?.close();
    await receiver?.close();
    await postgres?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (logLevel === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = logLevel;
  });

  it(`answers 503 while PostgreSQL is down for ${OUTAGE_SECONDS} s, then loses none of the events it accepted`, async () => {
    const webhook = await createWebhookDestination(itinera.graphql, receiver.url, { timeoutMs: 2000 });
    const journey = await publishJourney(itinera.graphql, {
      name: 'forward through an outage',
      trigger: { type: 'EVENT', event: { event: 'Order_Confirmation' } },
      steps: [{ key: 'forward', name: 'Forward', type: 'SEND', send: { destinationId: webhook, action: 'send', mapping: { data: { order: { '@path': '$.entry.messageId' } } } } }],
    });

    // The load: a batch of 10 every 50 ms, bounded in count and in time, until told to stop.
    const attempts: Attempt[] = [];
    let stopLoad = false;
    const loadDeadline = Date.now() + RELIABILITY_TIMEOUT_MS;
    const load = (async () => {
      for (let n = 0; !stopLoad && n < 5_000 && Date.now() < loadDeadline; n++) {
        const messageIds = Array.from({ length: 10 }, (_, i) => `outage-${n}-${i}`);
        const sentAt = Date.now();
        const status = await itinera.ingestion
          .batch(messageIds.map((messageId, i) => ({ type: 'track', userId: `outage-user-${(n * 10 + i) % 50}`, event: 'Order_Confirmation', messageId })))
          .then((answer) => answer.status)
          .catch(() => 0);
        attempts.push({ messageIds, sentAt, answeredAt: Date.now(), status });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const accepted = () => attempts.filter((a) => a.status === 200).flatMap((a) => a.messageIds);

    await waitFor(() => accepted().length >= 100, { what: 'events accepted before the outage' });
    await postgres.stop();
    const downFrom = Date.now();
    const ready = await fetch(`${itinera.url}/health/ready`);
    expect(ready.status).toBe(503);
    // The scenario is a duration: the database stays down this long while the load goes on.
    await waitFor(() => Date.now() - downFrom >= OUTAGE_SECONDS * 1000, { what: 'the outage to last', timeoutMs: OUTAGE_SECONDS * 1000 + 5_000, intervalMs: 100 });
    const downUntil = Date.now();
    postgres = await startPostgres();

    await waitFor(async () => (await fetch(`${itinera.url}/health/ready`)).status === 200, { timeoutMs: 30_000, what: 'ready again' });
    const acceptedAfter = () => attempts.filter((a) => a.status === 200 && a.sentAt > downUntil).length;
    await waitFor(() => acceptedAfter() >= 10, { timeoutMs: 30_000, what: 'events accepted again' });
    stopLoad = true;
    await load;

    // While the database was down, nothing was acknowledged: every request sent then got a 503.
    const duringOutage = attempts.filter((a) => a.sentAt >= downFrom && a.answeredAt <= downUntil);
    expect(duringOutage.length).toBeGreaterThan(10);
    expect([...new Set(duringOutage.map((a) => a.status))]).toEqual([503]);
    expect(attempts.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);

    // Every event that got a 200 is stored, once; and the journey forwarded each of them.
    const ids = accepted();
    const stored = (await itinera.db.query('SELECT message_id FROM events WHERE message_id = ANY($1)', [ids])).rows.map((r) => r.message_id);
    expect(stored.length).toBe(ids.length);
    expect(new Set(stored)).toEqual(new Set(ids));
    const forwarded = () => new Set(receiver.requests.map((r) => (r.json as { journeyId?: string; data?: { order?: string } })).filter((b) => b?.journeyId === journey.id).map((b) => b.data?.order));
    await waitFor(() => ids.every((id) => forwarded().has(id)), { timeoutMs: RELIABILITY_TIMEOUT_MS, what: `all ${ids.length} accepted events forwarded` });
    console.log(
      `outage: ${attempts.length} requests, ${ids.length} events accepted (${attempts.filter((a) => a.status === 503).length} requests answered 503), ` +
        `all stored and forwarded after ${OUTAGE_SECONDS} s down`,
    );
  }, RELIABILITY_TIMEOUT_MS * 2);
});
