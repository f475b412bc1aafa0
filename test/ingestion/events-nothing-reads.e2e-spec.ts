import { randomUUID } from 'node:crypto';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { DataSource } from 'typeorm';
import { findStrandedEvents } from '../../src/ingestion/stranded-events-reconciler';
import { IngestionClient } from '../harness/clients';
import { ItineraProcess, spawnItinera } from '../harness/itinera-process';
import { createWebhookDestination, instancesOf, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

/**
 * Issue 19: an event that no journey of its workspace can read gets no runtime job (most of a real
 * stream: page views, clicks). What must not change: every event a journey reads is applied, including
 * right after a publish made through another API process, and a journey never enters from an event
 * accepted while nothing read it.
 */
describe('events that no journey reads', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let secondApi: ItineraProcess;
  let webhook: string;

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    secondApi = await spawnItinera({ DATABASE_URL: itinera.databaseUrl, ITINERA_ROLE: 'api' });
    webhook = await createWebhookDestination(itinera.graphql, receiver.url);
    await publishJourney(itinera.graphql, holdJourney('applications', 'Application_Started', 'Application_Completed'));
  }, 120_000);

  afterAll(async () => {
    if (secondApi?.child.exitCode === null) await secondApi.kill();
    await itinera?.close();
    await receiver?.close();
  });

  const holdJourney = (name: string, trigger: string, completion: string) => ({
    name,
    trigger: { type: 'EVENT', event: { event: trigger } },
    entry: { mode: 'REENTER_EVERY_TIME' },
    steps: [
      {
        key: 'wait',
        name: 'Wait',
        type: 'HOLD_UNTIL',
        hold: { branches: [{ key: 'done', match: { event: completion } }], maxDuration: 'PT1H', timeoutNext: 'nudge' },
      },
      { key: 'nudge', name: 'Nudge', type: 'SEND', send: { destinationId: webhook, action: 'send', mapping: { data: { user: { '@path': '$.userId' } } } } },
    ],
  });
  const forwarding = (name: string, trigger: string) => ({
    name,
    trigger: { type: 'EVENT', event: { event: trigger } },
    entry: { mode: 'REENTER_EVERY_TIME' },
    steps: [{ key: 'forward', name: 'Forward', type: 'SEND', send: { destinationId: webhook, action: 'send', mapping: { data: { user: { '@path': '$.userId' } } } } }],
  });
  const track = (userId: string, event: string, extra: Record<string, unknown> = {}) => ({ userId, event, messageId: randomUUID(), properties: {}, ...extra });
  const rows = async (sql: string, params: unknown[] = []) => (await itinera.db.query(sql, params)).rows;
  const storedOf = (userId: string) =>
    rows(`SELECT event, applies FROM events WHERE workspace_id = $1 AND user_id = $2 ORDER BY seq`, [itinera.workspace.workspaceId, userId]);
  const jobsOf = (userId: string) =>
    rows(`SELECT state FROM pgboss.job WHERE name = 'user-events' AND singleton_key = $1`, [`${itinera.workspace.workspaceId}:${userId}`]);
  const cursorOf = async (userId: string) =>
    (await rows(`SELECT applied_seq FROM event_cursors WHERE workspace_id = $1 AND user_id = $2`, [itinera.workspace.workspaceId, userId]))[0]?.applied_seq;
  const catalogVersion = async () =>
    Number((await rows(`SELECT version FROM journey_catalog_versions WHERE workspace_id = $1`, [itinera.workspace.workspaceId]))[0]?.version ?? 0);

  it('stores an event nothing reads with no job; one a journey reads is applied as before', async () => {
    await itinera.ingestion.send(track('viewer', 'Product Viewed'));
    // Traits change what conditions see: an identify call is applied whatever journeys read.
    await itinera.ingestion.identify({ userId: 'viewer', messageId: randomUUID(), traits: { plan: 'pro' } });
    await itinera.ingestion.send(track('browser', 'Product Viewed'));
    await waitFor(async () => (await cursorOf('viewer')) !== undefined, { what: 'the identify call applied' });
    expect(await jobsOf('browser')).toEqual([]);
    expect(await storedOf('browser')).toEqual([{ event: 'Product Viewed', applies: false }]);

    await itinera.ingestion.send(track('viewer', 'Application_Started'));
    const [journey] = await rows(`SELECT id FROM journeys WHERE name = 'applications'`);
    const [instance] = await waitFor(
      async () => {
        const entered = await instancesOf(itinera.db, journey.id, 'viewer');
        return entered.length === 1 && entered;
      },
      { what: 'the application journey entered' },
    );
    expect(instance.status).toBe('ACTIVE');
    expect(await storedOf('viewer')).toEqual([
      { event: 'Product Viewed', applies: false },
      { event: null, applies: true },
      { event: 'Application_Started', applies: true },
    ]);
  });

  it('every change to what journeys can read moves the workspace catalog version, in the changing transaction', async () => {
    const before = await catalogVersion();
    const { createJourney } = await itinera.graphql.query(`mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`, {
      input: forwarding('lifecycle', 'Lifecycle_Event'),
    });
    const afterCreate = await catalogVersion();
    expect(afterCreate).toBeGreaterThan(before);
    let last = afterCreate;
    for (const operation of ['publishJourney', 'pauseJourney', 'resumeJourney', 'archiveJourney']) {
      await itinera.graphql.query(`mutation ($id: ID!) { ${operation}(id: $id) { id } }`, { id: createJourney.id });
      const now = await catalogVersion();
      expect({ operation, moved: now > last }).toEqual({ operation, moved: true });
      last = now;
    }
  });

  it('a journey published later never enters from events accepted while nothing read them', async () => {
    await itinera.ingestion.send(track('early', 'Wishlist_Added'));
    const journey = await publishJourney(itinera.graphql, forwarding('wishlist', 'Wishlist_Added'));
    // The user's next event a journey reads gets a job; the earlier, unread one stays unapplied.
    await itinera.ingestion.send(track('early', 'Application_Started'));
    await waitFor(async () => (await storedOf('early')).length === 2 && (await jobsOf('early')).every((job) => job.state === 'completed') && (await cursorOf('early')), {
      what: 'the application event applied',
    });
    expect(await instancesOf(itinera.db, journey.id, 'early')).toEqual([]);

    await itinera.ingestion.send(track('early', 'Wishlist_Added'));
    await waitFor(async () => (await instancesOf(itinera.db, journey.id, 'early')).length === 1, { what: 'the wishlist journey entered' });
  });

  it('a paused journey’s waiting instance still sees the event it holds for', async () => {
    const journey = await publishJourney(itinera.graphql, holdJourney('onboarding', 'Onboarding_Started', 'Onboarding_Finished'));
    await itinera.ingestion.send(track('onboarder', 'Onboarding_Started'));
    await waitFor(async () => (await instancesOf(itinera.db, journey.id, 'onboarder')).length === 1, { what: 'the onboarding journey entered' });
    await itinera.graphql.query(`mutation ($id: ID!) { pauseJourney(id: $id) { id } }`, { id: journey.id });

    await itinera.ingestion.send(track('onboarder', 'Onboarding_Finished'));
    const [instance] = await waitFor(async () => {
      const found = await instancesOf(itinera.db, journey.id, 'onboarder');
      return found[0]?.status !== 'ACTIVE' && found;
    }, { what: 'the held instance released' });
    expect(instance.status).toBe('COMPLETED');
    expect((await storedOf('onboarder')).map((row) => row.applies)).toEqual([true, true]);
  });

  it('the first event another API process accepts after a publish enters the journey, though its cached list predates the publish', async () => {
    const second = new IngestionClient(secondApi.url, itinera.workspace.writeKey);
    await second.send(track('cached', 'Newsletter_Opened'));
    expect(await storedOf('cached')).toEqual([{ event: 'Newsletter_Opened', applies: false }]);
    const journey = await publishJourney(itinera.graphql, forwarding('newsletters', 'Newsletter_Opened'));
    await second.send(track('cached', 'Newsletter_Opened'));
    await waitFor(async () => (await instancesOf(itinera.db, journey.id, 'cached')).length === 1, { what: 'the newsletter journey entered' });
    expect((await storedOf('cached')).map((row) => row.applies)).toEqual([false, true]);
  });

  it('events accepted by either API process after a publish returned all enter the journey, while clients keep sending', async () => {
    const apis = [itinera.ingestion, new IngestionClient(secondApi.url, itinera.workspace.writeKey)];
    // Both processes have cached a catalog in which nothing reads Trial_Started.
    for (const [i, api] of apis.entries()) await api.send(track(`warm-${i}`, 'Trial_Started'));
    expect((await storedOf('warm-1'))[0].applies).toBe(false);

    let publishedAt = Number.POSITIVE_INFINITY;
    let stop = false;
    const sent: { userId: string; startedAt: number }[] = [];
    const client = async (c: number) => {
      for (let n = 0; !stop; n++) {
        const userId = `trial-${c}-${n}`;
        const startedAt = Date.now();
        await apis[(c + n) % 2].send(track(userId, 'Trial_Started'));
        sent.push({ userId, startedAt });
      }
    };
    const clients = Array.from({ length: 6 }, (_, c) => client(c));
    await waitFor(() => sent.length >= 30, { what: 'events before the publish' });
    const journey = await publishJourney(itinera.graphql, forwarding('trials', 'Trial_Started'));
    publishedAt = Date.now();
    await waitFor(() => sent.filter((s) => s.startedAt > publishedAt).length >= 60, { what: 'events after the publish' });
    stop = true;
    await Promise.all(clients);

    const after = sent.filter((s) => s.startedAt > publishedAt).map((s) => s.userId);
    await waitFor(
      async () => {
        const entered = new Set((await rows(`SELECT user_id FROM journey_instances WHERE journey_id = $1`, [journey.id])).map((r) => r.user_id));
        return after.every((userId) => entered.has(userId));
      },
      { what: `all ${after.length} users who sent Trial_Started after the publish entered`, timeoutMs: 30_000 },
    );
    const before = sent.filter((s) => s.startedAt <= publishedAt).map((s) => s.userId);
    const unread = await rows(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND user_id = ANY($2) AND NOT applies`, [itinera.workspace.workspaceId, before]);
    expect(unread[0].n).toBeGreaterThan(0);
  }, 90_000);

  it('the stranded-events reconciler counts an unread event as applied', async () => {
    const sweep = await itinera.app.get(DataSource).transaction(async (manager) => {
      await manager.query(`UPDATE event_reconciler_progress SET checked_seq = 0`);
      return findStrandedEvents(manager, { graceSeconds: 0, limit: 100_000 });
    });
    const unread = await rows(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND NOT applies`, [itinera.workspace.workspaceId]);
    expect(unread[0].n).toBeGreaterThan(0);
    expect(sweep.examined).toBeGreaterThanOrEqual(unread[0].n);
    expect(sweep.strandedEvents).toBe(0);
    const unappliedToApply = await rows(
      `SELECT count(*)::int AS n FROM events e LEFT JOIN event_cursors c USING (workspace_id, user_id)
       WHERE e.workspace_id = $1 AND e.applies AND e.seq > COALESCE(c.applied_seq, 0)`,
      [itinera.workspace.workspaceId],
    );
    expect(unappliedToApply[0].n).toBe(0);
  });
});
