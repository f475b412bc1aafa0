import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { AudiencesApi } from '../audiences/audience-fixtures';
import { createWebhookDestination, instancesOf, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

/** A userId that no other value in the database contains, so a search of every row for it means something. */
const ERASED = 'erase-me-5c1f9a';
const KEPT = 'keep-me-77d2';

describe('deleteProfile', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let journey: { id: string };
  let audienceId: string;

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    const webhook = await createWebhookDestination(itinera.graphql, receiver.url);
    journey = await publishJourney(itinera.graphql, {
      name: 'application nudges',
      trigger: { type: 'EVENT', event: { event: 'Application_Started' } },
      steps: [
        { key: 'welcome', name: 'Welcome', type: 'SEND', send: { destinationId: webhook, action: 'send', mapping: { data: { user: { '@path': '$.userId' } } } }, next: 'later' },
        { key: 'later', name: 'Later', type: 'WAIT', wait: { duration: 'PT1H' }, next: 'done' },
        { key: 'done', name: 'Done', type: 'END' },
      ],
    });
    audienceId = (await new AudiencesApi(itinera.graphql).create({ name: 'pro users', condition: { match: 'ALL', filters: [{ path: 'traits.plan', operator: 'EQUALS', values: ['pro'] }] } })).id;
    for (const userId of [ERASED, KEPT]) {
      expect((await itinera.ingestion.identify({ userId, traits: { plan: 'pro', email: `${userId}@example.com` } })).status).toBe(200);
      expect((await itinera.ingestion.track({ userId, event: 'Application_Started', properties: { Application_id: '1234' } })).status).toBe(200);
    }
    // Each user: an active instance waiting, a delivered send, activity, an audience membership.
    await waitFor(async () => (await instancesOf(itinera.db, journey.id)).filter((i) => i.current_step === 'later').length === 2, { what: 'both users waiting' });
    await waitFor(() => receiver.requests.length === 2, { what: 'both welcome sends' });
    await waitFor(async () => Number((await itinera.db.query('SELECT count(*) AS n FROM audience_memberships WHERE audience_id = $1', [audienceId])).rows[0].n) === 2, {
      what: 'both users in the audience',
    });
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  /** Every row of every table of Itinera's and the queue's schemas whose text mentions `value`. */
  async function rowsMentioning(value: string): Promise<Record<string, number>> {
    const tables: { schema: string; name: string }[] = (
      await itinera.db.query(`SELECT table_schema AS schema, table_name AS name FROM information_schema.tables WHERE table_schema IN ('public', 'pgboss') AND table_type = 'BASE TABLE'`)
    ).rows;
    const found: Record<string, number> = {};
    for (const { schema, name } of tables) {
      const { rows } = await itinera.db.query(`SELECT count(*) AS n FROM "${schema}"."${name}" t WHERE t::text LIKE $1`, [`%${value}%`]);
      if (Number(rows[0].n) > 0) found[`${schema}.${name}`] = Number(rows[0].n);
    }
    return found;
  }

  it('erases the profile in one operation, returns the counts, and leaves nothing readable through the API or in the tables', async () => {
    expect(Object.keys(await rowsMentioning(ERASED)).length).toBeGreaterThan(4);
    const [instance] = await instancesOf(itinera.db, journey.id, ERASED);

    const { deleteProfile } = await itinera.graphql.query(
      `mutation { deleteProfile(userId: "${ERASED}", suppress: true) { userId profiles events instances activeInstancesEnded activities audienceMemberships deliveries suppressed } }`,
    );
    expect(deleteProfile).toEqual({
      userId: ERASED,
      profiles: 1,
      events: 2,
      instances: 1,
      activeInstancesEnded: 1,
      activities: expect.any(Number),
      audienceMemberships: 1,
      deliveries: 1,
      suppressed: true,
    });
    expect(deleteProfile.activities).toBeGreaterThanOrEqual(3);

    const api = await itinera.graphql.query(
      `query ($user: String!, $instance: ID!) {
         profile(userId: $user) { userId }
         journeyInstance(id: $instance) { id }
         activity(filter: { userId: $user }) { nodes { id } }
         deliveries(instanceId: $instance) { nodes { id } }
       }`,
      { user: ERASED, instance: instance.id },
    );
    expect(api).toEqual({ profile: null, journeyInstance: null, activity: { nodes: [] }, deliveries: { nodes: [] } });
    // Only the suppression asked for remains: the userId, to drop its future events.
    expect(await rowsMentioning(ERASED)).toEqual({ 'public.suppressed_profiles': 1 });

    // The other user is untouched.
    const kept = await itinera.graphql.query(`{ profile(userId: "${KEPT}") { traits journeys { timesEntered activeInstances { id } } } }`);
    expect(kept.profile).toEqual({ traits: { plan: 'pro', email: `${KEPT}@example.com` }, journeys: [{ timesEntered: 1, activeInstances: [{ id: expect.any(String) }] }] });
    expect(await new AudiencesApi(itinera.graphql).size(audienceId)).toBe(1);
  });

  it("acknowledges and drops a suppressed user's events, lists the user, and accepts them again once removed from the list", async () => {
    const suppressed = await itinera.graphql.query(`{ suppressedProfiles { userId suppressedAt } }`);
    expect(suppressed.suppressedProfiles).toEqual([{ userId: ERASED, suppressedAt: expect.any(String) }]);

    const batch = [
      { type: 'identify', userId: ERASED, traits: { plan: 'pro' } },
      { type: 'track', userId: ERASED, event: 'Application_Started', properties: {} },
      { type: 'track', userId: KEPT, event: 'Marker', properties: {} },
    ];
    const accepted = await itinera.ingestion.batch(batch);
    expect(accepted.status).toBe(200);
    // The kept user's event of the same batch is stored and applied: the dropped ones had every chance to be too.
    await waitFor(async () => Number((await itinera.db.query(`SELECT count(*) AS n FROM events WHERE user_id = $1 AND event = 'Marker'`, [KEPT])).rows[0].n) === 1, {
      what: 'the kept user event',
    });
    expect(await rowsMentioning(ERASED)).toEqual({ 'public.suppressed_profiles': 1 });

    expect((await itinera.graphql.query(`mutation { unsuppressProfile(userId: "${ERASED}") }`)).unsuppressProfile).toBe(true);
    expect((await itinera.graphql.query(`mutation { unsuppressProfile(userId: "${ERASED}") }`)).unsuppressProfile).toBe(false);
    expect((await itinera.ingestion.identify({ userId: ERASED, traits: { plan: 'free' } })).status).toBe(200);
    expect((await itinera.graphql.query(`{ profile(userId: "${ERASED}") { traits } }`)).profile).toEqual({ traits: { plan: 'free' } });
  });

  it('answers zero counts for a user it never saw', async () => {
    const { deleteProfile } = await itinera.graphql.query(`mutation { deleteProfile(userId: "nobody") { profiles events instances deliveries suppressed } }`);
    expect(deleteProfile).toEqual({ profiles: 0, events: 0, instances: 0, deliveries: 0, suppressed: false });
  });
});
