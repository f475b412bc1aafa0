import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { SOCKET_REFUSALS } from '../../src/workspaces/socket-refusal';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { ActivitySocket, waitForSubscribers } from '../observability/live-activity';
import { createWebhookDestination, loadExample, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { applicationEvent } from '../harness/seed-messages';

/** The API explorer's HTTP side, graphql-ws refusals that say why, the resume cursor, and the fields the console reads. */
describe('API explorer and the API the console reads', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let webhook: string;
  const sockets: ActivitySocket[] = [];

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    webhook = await createWebhookDestination(itinera.graphql, receiver.url, { timeoutMs: 2000 });
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });


  describe('GET /graphql', () => {
    it('gives a browser GraphiQL, with its scripts served from node_modules', async () => {
      const page = await fetch(`${itinera.url}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('/vendor/graphiql/graphiql.min.js');
      expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
      for (const asset of ['/vendor/graphiql/graphiql.min.js', '/vendor/react/react.production.min.js', '/vendor/react-dom/react-dom.production.min.js', '/console/explorer.js']) {
        const response = await fetch(`${itinera.url}${asset}`);
        expect([asset, response.status]).toEqual([asset, 200]);
      }
    });

    it('still refuses a GET that is not a browser’s, as CSRF protection', async () => {
      for (const accept of [undefined, '*/*', 'application/json']) {
        const response = await fetch(`${itinera.url}/graphql?query=%7B__typename%7D`, { headers: accept ? { accept } : {} });
        expect([accept, response.status]).toEqual([accept, 400]);
        expect(await response.text()).toMatch(/Cross-Site Request Forgery/i);
      }
    });

    it('serves nothing else from node_modules', async () => {
      expect((await fetch(`${itinera.url}/vendor/graphiql/../package.json`)).status).not.toBe(200);
      expect((await fetch(`${itinera.url}/vendor/pg/package.json`)).status).toBe(404);
    });
  });

  describe('graphql-ws refusals', () => {
    const closeOf = async (connectionParams: Record<string, unknown>) => {
      const closes: { code: number; reason: string }[] = [];
      const client = createClient({
        url: `${itinera.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams,
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => undefined,
        on: { closed: (event) => closes.push({ code: (event as { code: number; reason: string }).code, reason: (event as { code: number; reason: string }).reason }) },
      });
      try {
        return await waitFor(() => closes[0], { what: 'the socket to close' });
      } finally {
        await client.dispose();
      }
    };

    it('closes with 4401 and says what is missing when there is no token', async () => {
      expect(await closeOf({})).toEqual({ code: 4401, reason: SOCKET_REFUSALS.missingToken.reason });
      expect(SOCKET_REFUSALS.missingToken.reason).toContain('connectionParams.authorization is missing');
    });

    it('closes with 4401 when the authorization is not "Bearer <token>"', async () => {
      expect(await closeOf({ authorization: itinera.workspace.adminToken })).toEqual({ code: 4401, reason: SOCKET_REFUSALS.malformedToken.reason });
    });

    it('closes with 4403 when the token is no workspace’s', async () => {
      expect(await closeOf({ authorization: 'Bearer itn_admin_unknown' })).toEqual({ code: 4403, reason: SOCKET_REFUSALS.unknownToken.reason });
      expect(await closeOf({ authorization: `Bearer ${itinera.config.rootToken}` })).toEqual({ code: 4403, reason: SOCKET_REFUSALS.unknownToken.reason });
    });
  });

  describe('Subscription.activity(after:)', () => {
    it('sends what was written after the cursor first, then live records, none twice', async () => {
      const journey = await publishJourney(itinera.graphql, loadExample('02-application-abandonment.json', { destinationId: webhook, name: 'Resume cursor' }));
      await itinera.ingestion.send(applicationEvent('applicationStarted', '71', 'R-1'));
      const missed = await waitFor(
        async () => {
          const { activity } = await itinera.graphql.query(`query ($j: ID!) { activity(filter: { journeyId: $j }) { nodes { id type } } }`, { j: journey.id });
          return activity.nodes.length >= 2 && activity.nodes;
        },
        { what: 'ENTERED and STEP_ENTERED' },
      );
      // A dashboard that saw only the first record reconnects from it.
      const socket = new ActivitySocket(itinera.url, `Bearer ${itinera.workspace.adminToken}`);
      sockets.push(socket);
      const resumed: { id: string; type: string }[] = [];
      socket.client.subscribe<{ activity: { id: string; type: string } }>(
        { query: 'subscription ($j: ID, $after: ID) { activity(journeyId: $j, after: $after) { id type } }', variables: { j: journey.id, after: missed[0].id } },
        { next: (result) => result.data && resumed.push(result.data.activity), error: () => undefined, complete: () => undefined },
      );
      await waitForSubscribers(itinera, itinera.workspace.workspaceId, 1);
      await itinera.ingestion.send(applicationEvent('applicationCompleted', '71', 'R-1'));

      await waitFor(() => resumed.some((r) => r.type === 'COMPLETED'), { what: 'the live COMPLETED' });
      const ids = resumed.map((r) => r.id);
      expect(resumed.map((r) => r.type)).toEqual(['STEP_ENTERED', 'HOLD_MATCHED', 'COMPLETED']);
      expect(ids[0]).toBe(missed[1].id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('refuses a cursor that is not an activity id', async () => {
      const socket = new ActivitySocket(itinera.url, `Bearer ${itinera.workspace.adminToken}`);
      sockets.push(socket);
      const errors: unknown[] = [];
      socket.client.subscribe(
        { query: 'subscription { activity(after: "not-an-id") { id } }' },
        { next: (result) => result.errors && errors.push(...result.errors), error: (error) => errors.push(error), complete: () => undefined },
      );
      const [error] = await waitFor(() => errors.length > 0 && errors, { what: 'the refusal' });
      expect(JSON.stringify(error)).toContain('must be the id of an activity record');
    });
  });

  describe('fields the console reads', () => {
    it('viewer: the workspace and scope of the token', async () => {
      const { viewer } = await itinera.graphql.query('{ viewer { workspaceId scope } }');
      expect(viewer).toEqual({ workspaceId: itinera.workspace.workspaceId, scope: 'ADMIN' });
      expect((await itinera.graphql.withToken('nope').error('{ viewer { scope } }')).extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('Journey.edgeTotals and lastActivityAt; Profile.events', async () => {
      const journey = await publishJourney(
        itinera.graphql,
        loadExample('02-application-abandonment.json', { destinationId: webhook, name: 'Edge totals', durations: { PT2H: 'PT1S' } }),
      );
      const query = `query ($id: ID!) { journey(id: $id) { lastActivityAt lastActivityId edgeTotals { stepKey branch taken } } }`;
      expect((await itinera.graphql.query(query, { id: journey.id })).journey).toEqual({ lastActivityAt: null, lastActivityId: null, edgeTotals: [] });

      await itinera.ingestion.send(applicationEvent('applicationStarted', '72', 'E-1'));
      await itinera.ingestion.send(applicationEvent('applicationStarted', '72', 'E-2'));
      await itinera.ingestion.send(applicationEvent('applicationCompleted', '72', 'E-1'));
      const totals = await waitFor(
        async () => {
          const { journey: read } = await itinera.graphql.query(query, { id: journey.id });
          return read.edgeTotals.some((e: { stepKey: string }) => e.stepKey === 'application_nudge') && read;
        },
        { what: 'the nudge of E-2 after its timeout' },
      );
      expect(totals.edgeTotals).toEqual([
        { stepKey: 'application_nudge', branch: 'next', taken: 1 },
        { stepKey: 'wait_for_completion', branch: 'completed', taken: 1 },
        { stepKey: 'wait_for_completion', branch: 'timeout', taken: 1 },
      ]);
      expect(Date.parse(totals.lastActivityAt)).toBeGreaterThan(Date.now() - 60_000);
      // The nudge's delivery writes on after the step: compare once the log is still.
      await waitFor(
        async () => {
          const { journey: read, activity } = await itinera.graphql.query(
            `query ($j: ID!) { journey(id: $j) { lastActivityId } activity(filter: { journeyId: $j }, first: 500) { nodes { id type } } }`,
            { j: journey.id },
          );
          const settled = activity.nodes.some((r: { type: string }) => r.type === 'SENT') && read.lastActivityId === activity.nodes.at(-1).id;
          if (!settled) throw new Error(`lastActivityId ${read.lastActivityId}; log ${activity.nodes.map((r: { id: string; type: string }) => `${r.id}:${r.type}`).join(' ')}`);
          return true;
        },
        { what: 'lastActivityId to be the id of the latest record' },
      );

      const { profile } = await itinera.graphql.query(`{ profile(userId: "72") { events(first: 2) { nodes { event properties } } } }`);
      expect(profile.events.nodes.map((e: { event: string; properties: { Application_id: string } }) => `${e.event}:${e.properties.Application_id}`)).toEqual([
        'Application_Completed:E-1',
        'Application_Started:E-2',
      ]);
    });
  });
});
