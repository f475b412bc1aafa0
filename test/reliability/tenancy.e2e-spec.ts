import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { GraphqlClient, IngestionClient } from '../harness/clients';
import { createWebhookDestination, loadExample, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

/**
 * SPEC 9: nothing crosses workspaces. Workspace A owns a journey with instances, activity, deliveries,
 * a destination and profiles; workspace B's admin token calls every root field of the served schema
 * with A's ids and must get nothing of A back (null, empty, or NOT_FOUND) nor change anything of A.
 * The fields come from the schema itself: a root field without a case below fails the test.
 */

/** What A owns, as B would try to reach it. */
interface Owned {
  journeyId: string;
  stepKey: string;
  sendStepKey: string;
  instanceId: string;
  destinationId: string;
  userId: string;
  deliveryCount: number;
}

type Case = (b: GraphqlClient, a: Owned) => Promise<void>;

describe('tenancy: another workspace’s ids reach nothing', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let a: Owned;
  let b: GraphqlClient;
  let bIngestion: IngestionClient;
  /** A's journey, destination and profile as A sees them: B's calls must leave them exactly so. */
  let snapshotOfA: () => Promise<unknown>;

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    const destinationId = await createWebhookDestination(itinera.graphql, receiver.url, { secret: 'a-secret' });
    const journey = await publishJourney(itinera.graphql, loadExample('02-application-abandonment.json', { destinationId, durations: { PT2H: 'PT1S' } }));
    await itinera.ingestion.send({ userId: 'a-user', event: 'Application_Started', properties: { Application_id: '1234', Tier: 'Premium' } });
    expect((await itinera.ingestion.identify({ userId: 'a-user', traits: { email: 'ada@example.com' } })).status).toBe(200);
    const instanceId = await waitFor(async () => (await itinera.db.query('SELECT id FROM journey_instances WHERE journey_id = $1', [journey.id])).rows[0]?.id as string);
    await waitFor(() => receiver.requests.length === 1, { what: 'A’s nudge' });
    const deliveryCount = Number((await itinera.db.query('SELECT count(*) AS n FROM deliveries WHERE instance_id = $1', [instanceId])).rows[0].n);
    a = { journeyId: journey.id, stepKey: 'wait_for_completion', sendStepKey: 'application_nudge', instanceId, destinationId, userId: 'a-user', deliveryCount };
    const other = await itinera.createWorkspace('workspace B');
    b = other.graphql;
    bIngestion = other.ingestion;
    snapshotOfA = async () =>
      itinera.graphql.query(
        `query ($id: ID!, $instance: ID!) {
           journey(id: $id) { id name status version draftVersion versions { version } steps { key } }
           journeyInstance(id: $instance) { id status currentStep }
           destinations { id name enabled settings }
           profile(userId: "a-user") { userId traits }
         }`,
        { id: a.journeyId, instance: a.instanceId },
      );
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  const expectNotFound = async (client: GraphqlClient, query: string, variables: Record<string, unknown>) => {
    const error = await client.error(query, variables);
    expect([error.extensions?.code, error.message]).toEqual(['NOT_FOUND', expect.any(String)]);
  };
  const ids = (nodes: { id: string }[]) => nodes.map((n) => n.id);

  const queries: Record<string, Case> = {
    journeys: async (b, a) => {
      const { journeys } = await b.query(`{ journeys(first: 200) { nodes { id } totalCount } }`);
      expect(ids(journeys.nodes)).not.toContain(a.journeyId);
      expect(journeys.totalCount).toBe(journeys.nodes.length);
    },
    journey: async (b, a) => expect(await b.query(`query ($id: ID!) { journey(id: $id) { id } }`, { id: a.journeyId })).toEqual({ journey: null }),
    validateJourney: async (b, a) => {
      // A's destination does not exist for B: a journey of B's sending to it is invalid.
      const input = loadExample('02-application-abandonment.json', { destinationId: a.destinationId });
      const { validateJourney } = await b.query(`query ($input: JourneyInput!) { validateJourney(input: $input) { path message } }`, { input });
      expect(validateJourney.map((p: { path: string }) => p.path)).toContain('steps[1].send.destinationId');
    },
    journeyInstance: async (b, a) => expect(await b.query(`query ($id: ID!) { journeyInstance(id: $id) { id } }`, { id: a.instanceId })).toEqual({ journeyInstance: null }),
    journeyInstances: async (b, a) => {
      const { journeyInstances } = await b.query(`query ($j: ID!) { journeyInstances(journeyId: $j, first: 50) { nodes { id } totalCount } }`, { j: a.journeyId });
      expect(journeyInstances).toEqual({ nodes: [], totalCount: 0 });
    },
    profile: async (b, a) => expect(await b.query(`query ($u: String!) { profile(userId: $u) { userId traits } }`, { u: a.userId })).toEqual({ profile: null }),
    activity: async (b, a) => {
      for (const filter of [{ journeyId: a.journeyId }, { userId: a.userId }, {}]) {
        const { activity } = await b.query(`query ($filter: ActivityFilter!) { activity(filter: $filter, first: 100) { nodes { id journeyId } } }`, { filter });
        expect(activity.nodes.filter((n: { journeyId: string }) => n.journeyId === a.journeyId)).toEqual([]);
      }
    },
    deliveries: async (b, a) => {
      for (const args of [{ journeyId: a.journeyId }, { instanceId: a.instanceId }, { destinationId: a.destinationId }, {}]) {
        const { deliveries } = await b.query(
          `query ($journeyId: ID, $instanceId: ID, $destinationId: ID) { deliveries(journeyId: $journeyId, instanceId: $instanceId, destinationId: $destinationId, first: 200) { nodes { id } } }`,
          args,
        );
        expect(deliveries.nodes).toEqual([]);
      }
    },
    previewPayload: (b, a) => expectNotFound(b, `query ($j: ID!, $s: String!) { previewPayload(journeyId: $j, stepKey: $s) }`, { j: a.journeyId, s: a.sendStepKey }),
    simulateJourney: async (b, a) => {
      await expectNotFound(b, `query ($j: ID!) { simulateJourney(journeyId: $j, script: []) { instances { id } } }`, { j: a.journeyId });
      // A journey input naming A's destination: B's simulation shows no payload of it, only that it does not exist for B.
      const input = { ...loadExample('02-application-abandonment.json', { destinationId: a.destinationId }), name: 'B simulates with A’s destination' };
      const error = await b.error(`query ($input: JourneyInput!) { simulateJourney(journey: $input, script: []) { instances { id } } }`, { input });
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    },
    backtest: async (b, a) => {
      const { backtestJourney } = await itinera.graphql.query(
        `mutation ($input: JourneyInput!) { backtestJourney(journey: $input, from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z") { id } }`,
        { input: { ...loadExample('02-application-abandonment.json', { destinationId: a.destinationId }), name: 'A backtest' } },
      );
      expect(await b.query(`query ($id: ID!) { backtest(id: $id) { id } }`, { id: backtestJourney.id })).toEqual({ backtest: null });
    },
    destinationPlugins: async (b) => {
      // The server's plugin catalogue, the same for everyone: no workspace's data in it.
      const { destinationPlugins } = await b.query(`{ destinationPlugins { name } }`);
      expect(destinationPlugins.map((p: { name: string }) => p.name)).toContain('webhook');
    },
    destinations: async (b, a) => expect(ids((await b.query(`{ destinations { id } }`)).destinations)).not.toContain(a.destinationId),
    audiences: async (b) => {
      const { createAudience } = await itinera.graphql.query(`mutation ($input: AudienceInput!) { createAudience(input: $input) { id } }`, {
        input: { name: 'A’s audience', condition: { match: 'ALL', filters: [{ path: 'traits.email', operator: 'EXISTS' }] } },
      });
      expect(ids((await b.query(`{ audiences { id } }`)).audiences)).not.toContain(createAudience.id);
    },
    apiTokens: async (b) => {
      const ours = ids((await itinera.graphql.query(`{ apiTokens { id } }`)).apiTokens);
      expect(ids((await b.query(`{ apiTokens { id } }`)).apiTokens)).not.toContain(ours[0]);
    },
    auditLog: async (b) => {
      const ours = ids((await itinera.graphql.query(`{ auditLog(first: 200) { nodes { id } } }`)).auditLog.nodes);
      expect(ours.length).toBeGreaterThan(0);
      const theirs = ids((await b.query(`{ auditLog(first: 200) { nodes { id } } }`)).auditLog.nodes);
      expect(theirs.filter((id) => ours.includes(id))).toEqual([]);
      const filtered = await b.query(`query ($t: ID!) { auditLog(filter: { targetId: $t }) { nodes { id } } }`, { t: a.journeyId });
      expect(filtered.auditLog.nodes).toEqual([]);
    },
    droppedEvents: async (b) => {
      await itinera.db.query(`INSERT INTO ingestion_drops (workspace_id, day, dropped) VALUES ($1, current_date, 7) ON CONFLICT DO NOTHING`, [itinera.workspace.workspaceId]);
      expect((await itinera.graphql.query(`{ droppedEvents { dropped } }`)).droppedEvents).toEqual([{ dropped: 7 }]);
      expect((await b.query(`{ droppedEvents { dropped } }`)).droppedEvents).toEqual([]);
    },
    frequencyCaps: async (b) => {
      // A cap so high it changes nothing in A's other cases.
      await itinera.graphql.query(`mutation { setFrequencyCaps(caps: [{ max: 10000, within: "P1D" }]) { max } }`);
      expect((await b.query(`{ frequencyCaps { max } }`)).frequencyCaps).toEqual([]);
    },
    ingestionAllowedOrigins: async (b) => {
      await itinera.graphql.query(`mutation { setIngestionAllowedOrigins(origins: ["https://a.example"]) }`);
      expect((await b.query(`{ ingestionAllowedOrigins }`)).ingestionAllowedOrigins ?? []).not.toContain('https://a.example');
    },
    previewAudience: async (b) => {
      // A's profile has an email; B's preview of "has an email" sees none of A's profiles.
      const { previewAudience } = await b.query(`{ previewAudience(condition: { filters: [{ path: "traits.email", operator: EXISTS }] }) { count sample { userId } } }`);
      expect(previewAudience.sample.map((p: { userId: string }) => p.userId)).not.toContain(a.userId);
    },
    suppressedProfiles: async (b) => {
      await itinera.graphql.query(`mutation { deleteProfile(userId: "a-suppressed", suppress: true) { events } }`);
      expect((await b.query(`{ suppressedProfiles { userId } }`)).suppressedProfiles).toEqual([]);
    },
    workspaceSettings: async (b) => {
      await itinera.graphql.query(`mutation { updateWorkspaceSettings(input: { timeZone: "Europe/Berlin" }) { timeZone } }`);
      // B never sets a zone of its own (its quiet hours may be set by the mutation's case).
      expect((await b.query(`{ workspaceSettings { timeZone } }`)).workspaceSettings).toEqual({ timeZone: null });
    },
    testProfiles: async (b) => {
      await itinera.graphql.query(`mutation { addTestProfile(userId: "a-tester") { userId } }`);
      expect((await b.query(`{ testProfiles { userId } }`)).testProfiles).toEqual([]);
    },
    viewer: async (b) => {
      const { viewer } = await b.query(`{ viewer { workspaceId scope } }`);
      expect(viewer.workspaceId).not.toBe(itinera.workspace.workspaceId);
    },
    writeKeys: async (b) => {
      const ours = ids((await itinera.graphql.query(`{ writeKeys { id } }`)).writeKeys);
      expect(ids((await b.query(`{ writeKeys { id } }`)).writeKeys)).not.toContain(ours[0]);
    },
  };

  const journeyMutation = (name: string) => (b: GraphqlClient, a: Owned) => expectNotFound(b, `mutation ($id: ID!) { ${name}(id: $id) { id } }`, { id: a.journeyId });
  const mutations: Record<string, Case> = {
    createJourney: async (b, a) => {
      // B may save a draft naming A's destination (drafts may be unfinished) but never publish it.
      const input = { ...loadExample('02-application-abandonment.json', { destinationId: a.destinationId }), name: 'B borrows A’s destination' };
      const { createJourney } = await b.query(`mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`, { input });
      const error = await b.error(`mutation ($id: ID!) { publishJourney(id: $id) { id } }`, { id: createJourney.id });
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.extensions?.problems?.map((p) => p.path)).toContain('steps[1].send.destinationId');
    },
    updateJourney: (b, a) => expectNotFound(b, `mutation ($id: ID!) { updateJourney(id: $id, input: { name: "taken over" }) { id } }`, { id: a.journeyId }),
    duplicateJourney: (b, a) => expectNotFound(b, `mutation ($id: ID!) { duplicateJourney(id: $id, name: "copied") { id } }`, { id: a.journeyId }),
    publishJourney: journeyMutation('publishJourney'),
    pauseJourney: journeyMutation('pauseJourney'),
    resumeJourney: journeyMutation('resumeJourney'),
    archiveJourney: journeyMutation('archiveJourney'),
    deleteJourney: (b, a) => expectNotFound(b, `mutation ($id: ID!) { deleteJourney(id: $id) }`, { id: a.journeyId }),
    backtestJourney: async (b, a) => {
      await expectNotFound(b, `mutation ($j: ID!) { backtestJourney(journeyId: $j, from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z") { id } }`, { j: a.journeyId });
      // B's backtest of the same journey as an input replays B's events only: A's user never enters it.
      const input = { ...loadExample('02-application-abandonment.json', { destinationId: a.destinationId }), name: 'B backtests' };
      const error = await b.error(`mutation ($input: JourneyInput!) { backtestJourney(journey: $input, from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z") { id } }`, { input });
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    },
    cancelBacktest: async (b, a) => {
      const { backtestJourney } = await itinera.graphql.query(
        `mutation ($input: JourneyInput!) { backtestJourney(journey: $input, from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z") { id status } }`,
        { input: { ...loadExample('02-application-abandonment.json', { destinationId: a.destinationId }), name: 'A backtest to keep' } },
      );
      await expectNotFound(b, `mutation ($id: ID!) { cancelBacktest(id: $id) { id } }`, { id: backtestJourney.id });
      const { backtest } = await itinera.graphql.query(`query ($id: ID!) { backtest(id: $id) { status result { usersEntered } } }`, { id: backtestJourney.id });
      expect(backtest).toEqual({ status: 'DONE', result: { usersEntered: 1 } });
    },
    createJourneyVersion: journeyMutation('createJourneyVersion'),
    discardJourneyVersion: journeyMutation('discardJourneyVersion'),
    publishJourneyVersion: (b, a) =>
      expectNotFound(b, `mutation ($id: ID!) { publishJourneyVersion(id: $id, migration: MOVE_BY_STEP_KEY) { id } }`, { id: a.journeyId }),
    rollbackJourney: (b, a) => expectNotFound(b, `mutation ($id: ID!) { rollbackJourney(id: $id, version: 1) { id } }`, { id: a.journeyId }),
    startJourneyTest: journeyMutation('startJourneyTest'),
    stopJourneyTest: journeyMutation('stopJourneyTest'),
    resetTestProfile: (b, a) => expectNotFound(b, `mutation ($u: String!, $j: ID!) { resetTestProfile(userId: $u, journeyId: $j) }`, { u: a.userId, j: a.journeyId }),
    addTestProfile: async (b, a) => {
      // B's test profile of the same userId is B's own: A's runtime never treats A's user as a tester.
      expect((await b.query(`mutation ($u: String!) { addTestProfile(userId: $u) { userId } }`, { u: a.userId })).addTestProfile).toEqual({ userId: a.userId });
      expect((await itinera.graphql.query(`{ testProfiles { userId } }`)).testProfiles).not.toContainEqual({ userId: a.userId });
    },
    removeTestProfile: async (b) => {
      await itinera.graphql.query(`mutation { addTestProfile(userId: "a-tester-2") { userId } }`);
      expect(await b.query(`mutation { removeTestProfile(userId: "a-tester-2") }`)).toEqual({ removeTestProfile: false });
      expect((await itinera.graphql.query(`{ testProfiles { userId } }`)).testProfiles).toContainEqual({ userId: 'a-tester-2' });
    },
    sendTestEvent: async (b, a) => {
      const before = receiver.requests.length;
      await expectNotFound(b, `mutation ($d: ID!) { sendTestEvent(destinationId: $d, action: "send", payload: { data: { x: 1 } }) { ok } }`, { d: a.destinationId });
      expect(receiver.requests.length).toBe(before);
    },
    createDestination: async (b, a) => {
      const { createDestination } = await b.query(`mutation { createDestination(input: { name: "B's hook", plugin: "webhook", settings: { url: "http://127.0.0.1:9" } }) { id } }`);
      expect(ids((await itinera.graphql.query(`{ destinations { id } }`)).destinations)).not.toContain(createDestination.id);
      expect(createDestination.id).not.toBe(a.destinationId);
    },
    testDestination: async (b, a) => {
      const before = receiver.requests.length;
      await expectNotFound(b, `mutation ($id: ID!) { testDestination(id: $id) { ok } }`, { id: a.destinationId });
      expect(receiver.requests.length).toBe(before);
    },
    updateDestination: (b, a) =>
      expectNotFound(b, `mutation ($id: ID!) { updateDestination(id: $id, input: { name: "taken over", plugin: "webhook", settings: { url: "http://127.0.0.1:9" } }) { id } }`, {
        id: a.destinationId,
      }),
    createAudience: async (b) => {
      // B's audience matching A's profile (it has an email) never counts it, once its members are filled in.
      const { createAudience } = await b.query(`mutation ($input: AudienceInput!) { createAudience(input: $input) { id } }`, {
        input: { name: 'B’s audience', condition: { match: 'ALL', filters: [{ path: 'traits.email', operator: 'EXISTS' }] } },
      });
      await waitFor(async () => Number((await itinera.db.query(`SELECT count(*) AS n FROM pgboss.job WHERE name LIKE 'audience%' AND state < 'completed'`)).rows[0].n) === 0, {
        what: 'audience backfills to finish',
      });
      const { audiences } = await b.query(`{ audiences { id size } }`);
      expect(audiences.find((x: { id: string }) => x.id === createAudience.id)).toEqual({ id: createAudience.id, size: 0 });
    },
    createApiToken: async (b) => {
      const { createApiToken } = await b.query(`mutation { createApiToken(name: "B's dashboard", scope: READ) { token { id } } }`);
      expect(ids((await itinera.graphql.query(`{ apiTokens { id } }`)).apiTokens)).not.toContain(createApiToken.token.id);
    },
    revokeApiToken: async (b) => {
      const [ours] = (await itinera.graphql.query(`{ apiTokens { id } }`)).apiTokens;
      await expectNotFound(b, `mutation ($id: ID!) { revokeApiToken(id: $id) { id } }`, { id: ours.id });
      expect(await itinera.graphql.query(`{ profile(userId: "nobody") { userId } }`)).toEqual({ profile: null });
    },
    createWriteKey: async (b) => {
      const { createWriteKey } = await b.query(`mutation { createWriteKey(name: "B's server") { writeKey { id } } }`);
      expect(ids((await itinera.graphql.query(`{ writeKeys { id } }`)).writeKeys)).not.toContain(createWriteKey.writeKey.id);
    },
    revokeWriteKey: async (b) => {
      const [ours] = (await itinera.graphql.query(`{ writeKeys { id } }`)).writeKeys;
      await expectNotFound(b, `mutation ($id: ID!) { revokeWriteKey(id: $id) { id } }`, { id: ours.id });
      expect((await itinera.ingestion.identify({ userId: 'a-user', traits: { email: 'ada@example.com' } })).status).toBe(200);
    },
    updateAudience: async (b) => {
      const { createAudience } = await itinera.graphql.query(`mutation { createAudience(input: { name: "A’s to rename", condition: { filters: [{ path: "traits.email", operator: EXISTS }] } }) { id } }`);
      await expectNotFound(b, `mutation ($id: ID!) { updateAudience(id: $id, input: { name: "taken over", condition: { filters: [{ path: "traits.plan", operator: EXISTS }] } }) { id } }`, { id: createAudience.id });
      expect((await itinera.graphql.query(`{ audiences { id name } }`)).audiences).toContainEqual({ id: createAudience.id, name: 'A’s to rename' });
    },
    deleteAudience: async (b) => {
      const { createAudience } = await itinera.graphql.query(`mutation { createAudience(input: { name: "A’s to keep", condition: { filters: [{ path: "traits.email", operator: EXISTS }] } }) { id } }`);
      await expectNotFound(b, `mutation ($id: ID!) { deleteAudience(id: $id) }`, { id: createAudience.id });
      expect(ids((await itinera.graphql.query(`{ audiences { id } }`)).audiences)).toContain(createAudience.id);
    },
    deleteProfile: async (b, a) => {
      // B has no such user: nothing is erased, in B or in A (the snapshot of A's profile is checked after every case).
      const { deleteProfile } = await b.query(`mutation ($u: String!) { deleteProfile(userId: $u) { events instances } }`, { u: a.userId });
      expect(deleteProfile).toEqual({ events: 0, instances: 0 });
    },
    setFrequencyCaps: async (b, a) => {
      await itinera.graphql.query(`mutation { setFrequencyCaps(caps: [{ max: 10000, within: "P1D" }]) { max } }`);
      // A's destination is unknown to B: a cap on it is refused, and B's own caps leave A's alone.
      const refused = await b.error(`mutation ($d: ID!) { setFrequencyCaps(caps: [{ max: 1, within: "P1D", destinationId: $d }]) { max } }`, { d: a.destinationId });
      expect(refused.extensions?.problems).toEqual([{ path: 'caps[0].destinationId', message: `unknown destination "${a.destinationId}"` }]);
      await b.query(`mutation { setFrequencyCaps(caps: [{ max: 1, within: "PT1H" }]) { max } }`);
      expect((await itinera.graphql.query(`{ frequencyCaps { max within } }`)).frequencyCaps).toEqual([{ max: 10000, within: 'P1D' }]);
    },
    setIngestionAllowedOrigins: async (b) => {
      await itinera.graphql.query(`mutation { setIngestionAllowedOrigins(origins: ["https://a.example"]) }`);
      await b.query(`mutation { setIngestionAllowedOrigins(origins: ["https://b.example"]) }`);
      expect((await itinera.graphql.query(`{ ingestionAllowedOrigins }`)).ingestionAllowedOrigins).toEqual(['https://a.example']);
    },
    unsuppressProfile: async (b) => {
      await itinera.graphql.query(`mutation { deleteProfile(userId: "a-suppressed-2", suppress: true) { events } }`);
      expect(await b.query(`mutation { unsuppressProfile(userId: "a-suppressed-2") }`)).toEqual({ unsuppressProfile: false });
      expect((await itinera.graphql.query(`{ suppressedProfiles { userId } }`)).suppressedProfiles.map((p: { userId: string }) => p.userId)).toContain('a-suppressed-2');
    },
    updateWorkspaceSettings: async (b) => {
      await itinera.graphql.query(`mutation { updateWorkspaceSettings(input: { timeZone: "Asia/Tokyo" }) { timeZone } }`);
      const { updateWorkspaceSettings } = await b.query(`mutation { updateWorkspaceSettings(input: { quietHours: { start: "21:00", end: "08:00", mode: SKIP } }) { timeZone quietHours { mode } } }`);
      expect(updateWorkspaceSettings).toEqual({ timeZone: null, quietHours: { mode: 'SKIP' } });
      expect((await itinera.graphql.query(`{ workspaceSettings { timeZone quietHours { mode } } }`)).workspaceSettings).toEqual({ timeZone: 'Asia/Tokyo', quietHours: null });
    },
    createWorkspace: async (b) => expect((await b.error(`mutation { createWorkspace(name: "by B") { workspaceId } }`)).extensions?.code).toBe('UNAUTHENTICATED'),
  };

  const subscriptions: Record<string, Case> = {
    activity: async (b, a) => {
      // Subscribed without filters and with A's ids, B receives only its own workspace's records.
      const socketFor = (token: string) =>
        createClient({ url: `${itinera.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
      const received = { a: [] as { userId: string; journeyId: string }[], b: [] as { userId: string; journeyId: string }[] };
      const query = `subscription ($journeyId: ID, $userId: String) { activity(journeyId: $journeyId, userId: $userId) { userId journeyId } }`;
      const clients = [socketFor(itinera.workspace.adminToken), socketFor(b.token!)];
      const stops = [
        clients[0].subscribe({ query, variables: {} }, { next: (r) => received.a.push((r.data as any).activity), error: () => undefined, complete: () => undefined }),
        ...[{}, { journeyId: a.journeyId }, { userId: a.userId }].map((variables) =>
          clients[1].subscribe({ query, variables }, { next: (r) => received.b.push((r.data as any).activity ?? r), error: () => undefined, complete: () => undefined }),
        ),
      ];
      try {
        // Subscriptions are live once a record of each workspace gets through.
        const bJourney = await publishJourney(b, {
          ...loadExample('02-application-abandonment.json', { destinationId: await createWebhookDestination(b, receiver.url) }),
          name: 'B’s own journey',
        });
        await waitFor(
          async () => {
            await itinera.ingestion.send({ userId: `a-live-${Date.now()}`, event: 'Application_Started', properties: { Application_id: String(Date.now()) } });
            await bIngestion.send({ userId: `b-live-${Date.now()}`, event: 'Application_Started', properties: { Application_id: String(Date.now()) } });
            return received.a.some((r) => r.journeyId === a.journeyId) && received.b.some((r) => r.journeyId === bJourney.id);
          },
          { intervalMs: 500, what: 'live activity in both workspaces' },
        );
        expect(received.b.filter((r) => r.journeyId !== bJourney.id)).toEqual([]);
      } finally {
        stops.forEach((stop) => stop());
        await Promise.all(clients.map((c) => c.dispose()));
      }
    },
  };

  it('has a case for every root field of the served schema', async () => {
    const { __schema } = await itinera.graphql.query(`{ __schema { queryType { fields { name } } mutationType { fields { name } } subscriptionType { fields { name } } } }`);
    const missing = [
      ...__schema.queryType.fields.filter((f: { name: string }) => !(f.name in queries)).map((f: { name: string }) => `Query.${f.name}`),
      ...(__schema.mutationType?.fields ?? []).filter((f: { name: string }) => !(f.name in mutations)).map((f: { name: string }) => `Mutation.${f.name}`),
      ...(__schema.subscriptionType?.fields ?? []).filter((f: { name: string }) => !(f.name in subscriptions)).map((f: { name: string }) => `Subscription.${f.name}`),
    ];
    expect(missing).toEqual([]);
  });

  for (const [kind, cases] of [
    ['Query', queries],
    ['Mutation', mutations],
    ['Subscription', subscriptions],
  ] as const) {
    for (const [field, run] of Object.entries(cases)) {
      it(`${kind}.${field} with workspace A’s ids gives workspace B nothing of A`, async () => {
        const before = await snapshotOfA();
        await run(b, a);
        expect(await snapshotOfA()).toEqual(before);
        expect(Number((await itinera.db.query('SELECT count(*) AS n FROM deliveries WHERE instance_id = $1', [a.instanceId])).rows[0].n)).toBe(a.deliveryCount);
      });
    }
  }
});
