import { ACTIVITY_LISTENER_NAME } from '../../src/activity/activity-fanout';
import { seed } from '../../src/engine/seed-events.fixture';
import { DEFAULT_JOURNEY_LIMITS } from '../../src/journeys/journey-limits';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { createWebhookDestination, loadExample, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { ActivitySocket, refusalOf, ReceivedActivity, subscriberCount, waitForSubscribers } from './live-activity';
import { applicationEvent } from '../harness/seed-messages';

/**
 * SPEC 6: `Subscription.activity` over graphql-ws, as a dashboard uses it: a real client on
 * ws://127.0.0.1:<port>/graphql, events sent over the ingestion API, deliveries to a local receiver.
 */
describe('live journey activity over graphql-ws', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let webhook: string;
  const sockets: ActivitySocket[] = [];
  const open = (authorization?: string) => {
    const socket = new ActivitySocket(itinera.url, authorization);
    sockets.push(socket);
    return socket;
  };
  const bearer = () => `Bearer ${itinera.workspace.adminToken}`;

  beforeAll(async () => {
    // Each test publishes journeys of its own, more than the default five.
    itinera = await startTestApp({ config: { journeyLimits: { ...DEFAULT_JOURNEY_LIMITS, maxPublishedPerWorkspace: 20 } } });
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

  const instanceOf = async (journeyId: string, userId: string, uniqueId: string): Promise<string> =>
    (await itinera.db.query('SELECT id FROM journey_instances WHERE journey_id = $1 AND user_id = $2 AND unique_id = $3', [journeyId, userId, uniqueId]))
      .rows[0]?.id;
  const timelineIds = async (instanceId: string): Promise<string[]> => {
    const { journeyInstance } = await itinera.graphql.query(`query ($id: ID!) { journeyInstance(id: $id) { timeline { id } } }`, { id: instanceId });
    return journeyInstance.timeline.map((record: { id: string }) => record.id);
  };
  const idsOf = (records: ReceivedActivity[], instanceId: string) => records.filter((r) => r.instanceId === instanceId).map((r) => r.id);

  describe('Subscription.activity(journeyId)', () => {
    it('streams an application’s ENTERED, hold outcome, COMPLETED and the nudge’s SENT, in the order they happened', async () => {
      const journey = await publishJourney(
        itinera.graphql,
        loadExample('02-application-abandonment.json', { destinationId: webhook, durations: { PT2H: 'PT2S' } }),
      );
      const socket = open(bearer());
      const watch = socket.watch({ journeyId: journey.id });
      await waitForSubscribers(itinera, itinera.workspace.workspaceId, 1);

      // Application 1234 is completed in time; application 5678 is not, and gets the nudge.
      await itinera.ingestion.send(applicationEvent('applicationStarted', '88', '1234'));
      await itinera.ingestion.send(applicationEvent('applicationStarted', '88', '5678'));
      await itinera.ingestion.send(applicationEvent('applicationCompleted', '88', '1234'));

      const completed = await waitFor(async () => (await instanceOf(journey.id, '88', '1234')) ?? undefined);
      const nudged = await waitFor(async () => (await instanceOf(journey.id, '88', '5678')) ?? undefined);
      await waitFor(() => watch.types(completed).includes('COMPLETED') && watch.types(nudged).includes('SENT'), {
        what: 'both applications to finish, the nudge delivered',
        timeoutMs: 20_000,
      });

      expect(watch.steps(completed)).toEqual([
        'ENTERED',
        'STEP_ENTERED:wait_for_completion',
        'HOLD_MATCHED:wait_for_completion',
        'COMPLETED:wait_for_completion',
      ]);
      // The nudge's SENT is written when the delivery succeeds, on its own, so only its presence is promised.
      const nudge = watch.steps(nudged);
      expect(nudge[0]).toBe('ENTERED');
      expect(nudge.indexOf('HOLD_TIMED_OUT:wait_for_completion')).toBeGreaterThan(0);
      expect(nudge.indexOf('HOLD_TIMED_OUT:wait_for_completion')).toBeLessThan(nudge.indexOf('COMPLETED:application_nudge'));
      expect(nudge).toContain('SENT:application_nudge');
      expect(receiver.requests.map((r) => (r.json as { key?: string }).key)).toContain('application_nudge');

      // Each record once, none missing: the same records as the instance's stored timeline.
      for (const instanceId of [completed, nudged]) {
        await waitFor(async () => (await timelineIds(instanceId)).length === idsOf(watch.records, instanceId).length);
        expect(idsOf(watch.records, instanceId)).toEqual(await timelineIds(instanceId));
      }
      expect(watch.records.every((r) => r.journeyId === journey.id && r.userId === '88')).toBe(true);
      expect(watch.error).toBeNull();
    });

    it('sends nothing to a subscription whose journeyId or types exclude the records, while the journey runs', async () => {
      const nudges = await publishJourney(
        itinera.graphql,
        loadExample('02-application-abandonment.json', { destinationId: webhook, durations: { PT2H: 'PT1S' }, name: 'Nudges, filtered' }),
      );
      const carts = await publishJourney(itinera.graphql, loadExample('03-cart-abandonment.json', { destinationId: webhook, name: 'Carts, filtered' }));
      // One socket for all three: graphql-ws keeps the order of its messages, so once the control
      // subscription has seen the last record, anything the filtered ones were sent has arrived too.
      const socket = open(bearer());
      const control = socket.watch({ journeyId: nudges.id });
      const failuresOnly = socket.watch({ journeyId: nudges.id, types: ['SEND_FAILED'] });
      const otherJourney = socket.watch({ journeyId: carts.id });
      await waitForSubscribers(itinera, itinera.workspace.workspaceId, 3);

      await itinera.ingestion.send(applicationEvent('applicationStarted', '89', '2001'));
      await itinera.ingestion.send({ ...seed.cartViewed, userId: '89' });
      await waitFor(() => control.steps().includes('SENT:application_nudge'), { what: 'the nudge to be delivered', timeoutMs: 20_000 });
      await waitFor(() => otherJourney.steps().includes('STEP_ENTERED:wait_for_checkout'));

      expect(failuresOnly.records).toEqual([]);
      expect(otherJourney.records.length).toBeGreaterThan(0);
      expect(otherJourney.records.filter((r) => r.journeyId !== carts.id)).toEqual([]);
      expect(control.records.filter((r) => r.journeyId !== nudges.id)).toEqual([]);
    });

    it('filters by user, and by types across journeys', async () => {
      const journey = await publishJourney(itinera.graphql, loadExample('03-cart-abandonment.json', { destinationId: webhook, name: 'Carts by user' }));
      const socket = open(bearer());
      const ofUser = socket.watch({ userId: '23' });
      const entries = socket.watch({ types: ['ENTERED'] });
      await waitForSubscribers(itinera, itinera.workspace.workspaceId, 2);

      await itinera.ingestion.send({ ...seed.cartViewed, userId: '22' });
      await itinera.ingestion.send({ ...seed.cartViewed, userId: '23' });
      await waitFor(() => ofUser.steps().includes('STEP_ENTERED:wait_for_checkout'));
      await waitFor(() => entries.records.filter((r) => r.journeyId === journey.id).length === 2);

      expect(ofUser.records.every((r) => r.userId === '23')).toBe(true);
      expect(entries.records.every((r) => r.type === 'ENTERED')).toBe(true);
      expect(new Set(entries.records.filter((r) => r.journeyId === journey.id).map((r) => r.userId))).toEqual(new Set(['22', '23']));
    });

    it('keeps streaming after the server’s listening database connection is cut and restored', async () => {
      const journey = await publishJourney(itinera.graphql, loadExample('03-cart-abandonment.json', { destinationId: webhook, name: 'Carts, reconnected' }));
      const watch = open(bearer()).watch({ journeyId: journey.id });
      await waitForSubscribers(itinera, itinera.workspace.workspaceId, 1);
      const listeners = async () =>
        (
          await itinera.db.query(`SELECT pid, state, query FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`, [
            ACTIVITY_LISTENER_NAME,
          ])
        ).rows as { pid: number; state: string; query: string }[];
      const [cut] = await listeners();
      await itinera.db.query('SELECT pg_terminate_backend($1)', [cut.pid]);
      await waitFor(async () => (await listeners()).some((l) => l.pid !== cut.pid && l.state === 'idle' && l.query.startsWith('LISTEN')), {
        what: 'the listener to reconnect and listen again',
      });

      await itinera.ingestion.send({ ...seed.cartViewed, userId: '90' });
      await waitFor(() => watch.types().includes('ENTERED'), { what: 'a record written after the reconnection' });
      expect(watch.error).toBeNull();
    });

    it('stops sending to a subscription the client completes', async () => {
      const socket = open(bearer());
      const watch = socket.watch();
      await waitForSubscribers(itinera, itinera.workspace.workspaceId, 1);
      watch.stop();
      await waitFor(() => subscriberCount(itinera, itinera.workspace.workspaceId) === 0, { what: 'the server to release the subscription' });
    });
  });

  describe('authentication of the socket', () => {
    it('refuses a connection without a token (close code 4401)', async () => {
      const watch = open().watch();
      await waitFor(() => watch.error, { what: 'the refusal' });
      expect(refusalOf(watch)).toBe(4401);
    });

    it('refuses a connection with a wrong token (close code 4403)', async () => {
      const watch = open('Bearer not-an-admin-token').watch();
      await waitFor(() => watch.error, { what: 'the refusal' });
      expect(refusalOf(watch)).toBe(4403);
    });

    it('refuses the root token, which belongs to no workspace (close code 4403)', async () => {
      const watch = open(`Bearer ${itinera.config.rootToken}`).watch();
      await waitFor(() => watch.error, { what: 'the refusal' });
      expect(refusalOf(watch)).toBe(4403);
    });

    it('accepts another workspace’s token but sends it none of this workspace’s records', async () => {
      const other = await itinera.createWorkspace('another team');
      const otherWebhook = await createWebhookDestination(other.graphql, receiver.url);
      const ours = await publishJourney(
        itinera.graphql,
        loadExample('02-application-abandonment.json', { destinationId: webhook, name: 'Ours, private' }),
      );
      const theirs = await publishJourney(other.graphql, loadExample('03-cart-abandonment.json', { destinationId: otherWebhook }));

      const control = open(bearer()).watch({ journeyId: ours.id });
      const outsiderSocket = open(`Bearer ${other.credentials.adminToken}`);
      const outsider = outsiderSocket.watch();
      await waitForSubscribers(itinera, itinera.workspace.workspaceId, 1);
      await waitForSubscribers(itinera, other.credentials.workspaceId, 1);
      expect(outsiderSocket.connected).toBe(true);

      await itinera.ingestion.send(applicationEvent('applicationStarted', '88', '9001'));
      await itinera.ingestion.send(applicationEvent('applicationCompleted', '88', '9001'));
      await waitFor(() => control.types().includes('COMPLETED'), { what: 'our records to flow' });

      // Then a record of its own workspace: records are forwarded in commit order, so had any of ours
      // leaked to the outsider, it would have arrived before this one.
      await other.ingestion.send({ ...seed.cartViewed, userId: '88' });
      await waitFor(() => outsider.records.some((r) => r.type === 'ENTERED'), { what: 'the outsider’s own record' });

      expect(control.records.length).toBeGreaterThanOrEqual(4);
      expect(outsider.records.filter((r) => r.journeyId !== theirs.id)).toEqual([]);
      expect(outsider.error).toBeNull();
    });
  });
});
