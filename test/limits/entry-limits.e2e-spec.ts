import { randomUUID } from 'node:crypto';
import { applicationEvent } from '../harness/seed-messages';
import { ItineraProcess, spawnItinera } from '../harness/itinera-process';
import { createWebhookDestination, InstanceRow, instancesOf, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';

const PUBLISH = `mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`;

/** Seed 001's application journey, reduced to one send, with the given entry rules. */
function applicationJourney(name: string, destinationId: string, entry: Record<string, unknown>) {
  return {
    name,
    trigger: { type: 'EVENT', event: { event: 'Application_Started' } },
    entry: { mode: 'REENTER_EVERY_TIME', ...entry },
    steps: [{ key: 'welcome', name: 'Welcome', type: 'SEND', send: { destinationId, action: 'send', mapping: { data: { user: { '@path': '$.userId' } } } } }],
  };
}

const started = (userId: string) => ({ ...applicationEvent('applicationStarted', userId, randomUUID()), messageId: randomUUID() });

/**
 * Issue 17: entry limits. A re-entry cool-down per user, and at most N entries into a journey by all users
 * together (in total, or within a rolling window), exact when many users enter at once through two workers.
 */
describe('entry limits', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  const workers: ItineraProcess[] = [];
  let webhook: string;

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    const env = { DATABASE_URL: itinera.databaseUrl, ITINERA_RECONCILE_SECONDS: '0', ITINERA_ROLE: 'worker' };
    workers.push(...(await Promise.all([spawnItinera(env), spawnItinera(env)])));
    webhook = await createWebhookDestination(itinera.graphql, receiver.url);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill()));
    await itinera?.close();
    await receiver?.close();
  });

  const archive = (id: string) => itinera.graphql.query(`mutation ($id: ID!) { archiveJourney(id: $id) { id } }`, { id });
  const entries = async (journeyId: string) => (await itinera.db.query(`SELECT count(*)::int AS n FROM journey_instances WHERE journey_id = $1`, [journeyId])).rows[0].n;
  /** Waits until every user's events are applied (their cursor has passed them). */
  const applied = (users: string[]) =>
    waitFor(
      async () => {
        const { rows } = await itinera.db.query(
          `SELECT count(*)::int AS n FROM events e WHERE e.user_id = ANY($1::text[])
             AND e.seq > COALESCE((SELECT c.applied_seq FROM event_cursors c WHERE c.workspace_id = e.workspace_id AND c.user_id = e.user_id), 0)`,
          [users],
        );
        return rows[0].n === 0;
      },
      { timeoutMs: 60_000, what: 'the events to be applied' },
    );

  it('refuses wrong entry limits, naming every problem', async () => {
    const { createJourney } = await itinera.graphql.query(PUBLISH, {
      input: { ...applicationJourney('bad limits', webhook, {}), entry: { mode: 'ONCE', cooldown: 'soon', limit: { max: 0, within: 'daily' } } },
    });
    const error = await itinera.graphql.error(`mutation ($id: ID!) { publishJourney(id: $id) { id } }`, { id: createJourney.id });
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.problems?.map((problem) => problem.path)).toEqual(['entry.cooldown', 'entry.cooldown', 'entry.limit.max', 'entry.limit.within']);
  });

  it('a user does not enter again within the cool-down, and does after it', async () => {
    const journey = await publishJourney(itinera.graphql, applicationJourney('welcome, not twice', webhook, { cooldown: 'PT3S' }));
    const { entry } = (await itinera.graphql.query(`query ($id: ID!) { journey(id: $id) { entry { cooldown limit { max } } } }`, { id: journey.id })).journey;
    expect(entry).toEqual({ cooldown: 'PT3S', limit: null });
    const userId = 'cooling-1';
    await itinera.ingestion.batch([started(userId), started(userId)]);
    await applied([userId]);
    expect(await instancesOf(itinera.db, journey.id, userId)).toHaveLength(1);
    const [first] = (await instancesOf(itinera.db, journey.id, userId)) as (InstanceRow & { entered_at: Date })[];
    await waitFor(async () => Date.now() > new Date(first.entered_at).getTime() + 3_200, { timeoutMs: 10_000, intervalMs: 100, what: 'the cool-down to pass' });
    await itinera.ingestion.batch([started(userId)]);
    await applied([userId]);
    expect(await instancesOf(itinera.db, journey.id, userId)).toHaveLength(2);
    await archive(journey.id);
  }, 60_000);

  it('at most 5 entries in total, when 30 users enter at once through two worker processes', async () => {
    const journey = await publishJourney(itinera.graphql, applicationJourney('first five', webhook, { limit: { max: 5 } }));
    const users = Array.from({ length: 30 }, (_, i) => `limited-${i}`);
    const answers = await Promise.all(users.map((userId) => itinera.ingestion.batch([started(userId)])));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    await applied(users);
    expect(await entries(journey.id)).toBe(5);
    await itinera.ingestion.batch(users.slice(0, 10).map(started));
    await applied(users);
    expect(await entries(journey.id)).toBe(5);
    await archive(journey.id);
  }, 90_000);

  it('at most 4 entries within any 3 seconds: the window rolls', async () => {
    const journey = await publishJourney(itinera.graphql, applicationJourney('four per window', webhook, { limit: { max: 4, within: 'PT3S' } }));
    const firstWave = Array.from({ length: 12 }, (_, i) => `window-a${i}`);
    await Promise.all(firstWave.map((userId) => itinera.ingestion.batch([started(userId)])));
    await applied(firstWave);
    expect(await entries(journey.id)).toBe(4);
    const { rows } = await itinera.db.query(`SELECT max(entered_at) AS at FROM journey_instances WHERE journey_id = $1`, [journey.id]);
    await waitFor(async () => Date.now() > new Date(rows[0].at).getTime() + 3_200, { timeoutMs: 10_000, intervalMs: 100, what: 'the window to roll' });
    const secondWave = Array.from({ length: 12 }, (_, i) => `window-b${i}`);
    await Promise.all(secondWave.map((userId) => itinera.ingestion.batch([started(userId)])));
    await applied(secondWave);
    expect(await entries(journey.id)).toBe(8);
    await archive(journey.id);
  }, 90_000);
});
