import { seed } from '../../src/engine/seed-events.fixture';
import { GraphqlClient } from '../harness/clients';
import { createWebhookDestination, loadExample, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { applicationEvent } from '../harness/seed-messages';

interface InstanceNode {
  id: string;
  userId: string;
  uniqueId: string | null;
  status: string;
  currentStep: string | null;
  enteredAt: string;
}

interface InstancePage {
  nodes: InstanceNode[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

const INSTANCES = `
  query ($journeyId: ID!, $userId: String, $status: InstanceStatus, $first: Int, $after: String) {
    journeyInstances(journeyId: $journeyId, userId: $userId, status: $status, first: $first, after: $after) {
      nodes { id userId uniqueId status currentStep enteredAt }
      pageInfo { hasNextPage endCursor }
      totalCount
    }
  }`;

const PROFILE = `
  query ($userId: String!) {
    profile(userId: $userId) {
      userId traits
      journeys { journey { id name stats { entered } } timesEntered activeInstances { id currentStep status uniqueId } }
    }
  }`;

/** Every page of journeyInstances, `first` at a time; checks totalCount on each page. */
async function walkInstances(graphql: GraphqlClient, args: { journeyId: string; userId?: string; status?: string }, first: number) {
  const nodes: InstanceNode[] = [];
  const totals = new Set<number>();
  let after: string | null = null;
  for (;;) {
    const page: InstancePage = (await graphql.query<{ journeyInstances: InstancePage }>(INSTANCES, { ...args, first, after })).journeyInstances;
    nodes.push(...page.nodes);
    totals.add(page.totalCount);
    if (!page.pageInfo.hasNextPage) return { nodes, totals: [...totals] };
    after = page.pageInfo.endCursor;
  }
}

/**
 * SPEC 6: the journey instance timeline, the instance list, and the profile's Journeys tab, with user 88
 * of seed 000 starting five applications (completing three) and viewing a cart.
 */
describe('journey instances and the profile’s Journeys tab', () => {
  let itinera: TestApp;
  let applications: { id: string };
  let carts: { id: string };

  const instanceIdOf = async (userId: string, uniqueId: string) =>
    (await itinera.db.query('SELECT id FROM journey_instances WHERE journey_id = $1 AND user_id = $2 AND unique_id = $3', [applications.id, userId, uniqueId]))
      .rows[0].id as string;

  beforeAll(async () => {
    itinera = await startTestApp();
    const webhook = await createWebhookDestination(itinera.graphql, 'http://127.0.0.1:9/unused');
    applications = await publishJourney(itinera.graphql, loadExample('02-application-abandonment.json', { destinationId: webhook }));
    carts = await publishJourney(itinera.graphql, loadExample('03-cart-abandonment.json', { destinationId: webhook }));

    await itinera.ingestion.identify({ userId: '88', traits: { first_name: 'Ada', email: 'ada@example.com' } });
    await itinera.ingestion.batch(['1001', '1002', '1003', '1004', '1005'].map((id) => applicationEvent('applicationStarted', '88', id)));
    await itinera.ingestion.batch([applicationEvent('applicationStarted', '89', '2001'), applicationEvent('applicationStarted', '89', '2002')]);
    await itinera.ingestion.batch(['1001', '1003', '1005'].map((id) => applicationEvent('applicationCompleted', '88', id)));
    await itinera.ingestion.batch([{ type: 'track', ...seed.cartViewed, userId: '88' }]);
    await waitFor(async () => {
      const rows = await itinera.db.query(
        `SELECT count(*) FILTER (WHERE status = 'COMPLETED') AS completed, count(*) AS entered FROM journey_instances WHERE journey_id = ANY($1::uuid[])`,
        [[applications.id, carts.id]],
      );
      return Number(rows.rows[0].completed) === 3 && Number(rows.rows[0].entered) === 8;
    }, { what: 'eight instances, three of them completed' });
  });
  afterAll(() => itinera.close());

  describe('journeyInstance(id) { timeline }', () => {
    it('shows every activity record of application 1001, in order, with time, step key, type and detail', async () => {
      const { journeyInstance } = await itinera.graphql.query(
        `query ($id: ID!) { journeyInstance(id: $id) { id status uniqueId currentStep endedAt timeline { id at type stepKey detail instanceId } } }`,
        { id: await instanceIdOf('88', '1001') },
      );
      expect(journeyInstance).toMatchObject({ status: 'COMPLETED', uniqueId: '1001', currentStep: null });
      const timeline = journeyInstance.timeline as { id: string; at: string; type: string; stepKey: string | null; detail: any; instanceId: string }[];
      expect(timeline.map((r) => (r.stepKey ? `${r.type}:${r.stepKey}` : r.type))).toEqual([
        'ENTERED',
        'STEP_ENTERED:wait_for_completion',
        'HOLD_MATCHED:wait_for_completion',
        'COMPLETED:wait_for_completion',
      ]);
      expect(timeline.map((r) => Number(r.id))).toEqual(timeline.map((r) => Number(r.id)).sort((a, b) => a - b));
      expect(timeline.map((r) => r.at)).toEqual([...timeline.map((r) => r.at)].sort());
      expect(timeline.every((r) => r.instanceId === journeyInstance.id)).toBe(true);
      expect(timeline[1].detail).toMatchObject({ type: 'HOLD_UNTIL' });
      expect(Date.parse(journeyInstance.endedAt)).toBe(Date.parse(timeline[timeline.length - 1].at));
    });

    it('answers null for an unknown id, a malformed one, and one of another workspace', async () => {
      const other = await itinera.createWorkspace('timeline outsiders');
      const query = `query ($id: ID!) { journeyInstance(id: $id) { id timeline { id } } }`;
      expect((await itinera.graphql.query(query, { id: '00000000-0000-4000-8000-000000000000' })).journeyInstance).toBeNull();
      expect((await itinera.graphql.query(query, { id: 'application-1001' })).journeyInstance).toBeNull();
      expect((await other.graphql.query(query, { id: await instanceIdOf('88', '1001') })).journeyInstance).toBeNull();
    });
  });

  describe('journeyInstances(journeyId, userId, status)', () => {
    it('pages through every instance of the journey once, oldest first, with the total on each page', async () => {
      const { nodes, totals } = await walkInstances(itinera.graphql, { journeyId: applications.id }, 2);
      expect(totals).toEqual([7]);
      expect(new Set(nodes.map((n) => n.id)).size).toBe(7);
      expect(nodes.map((n) => n.uniqueId).sort()).toEqual(['1001', '1002', '1003', '1004', '1005', '2001', '2002']);
      const oldestFirst = [...nodes].sort((a, b) => a.enteredAt.localeCompare(b.enteredAt) || a.id.localeCompare(b.id));
      expect(nodes.map((n) => n.id)).toEqual(oldestFirst.map((n) => n.id));
    });

    it('narrows to one user, one status, or both', async () => {
      const of88 = await walkInstances(itinera.graphql, { journeyId: applications.id, userId: '88' }, 2);
      expect(of88.totals).toEqual([5]);
      expect(of88.nodes.map((n) => n.uniqueId).sort()).toEqual(['1001', '1002', '1003', '1004', '1005']);

      const active = await walkInstances(itinera.graphql, { journeyId: applications.id, status: 'ACTIVE' }, 3);
      expect(active.totals).toEqual([4]);
      expect(active.nodes.map((n) => n.uniqueId).sort()).toEqual(['1002', '1004', '2001', '2002']);
      expect(active.nodes.every((n) => n.currentStep === 'wait_for_completion')).toBe(true);

      const completedOf88 = await walkInstances(itinera.graphql, { journeyId: applications.id, userId: '88', status: 'COMPLETED' }, 1);
      expect(completedOf88.totals).toEqual([3]);
      expect(completedOf88.nodes.map((n) => n.uniqueId).sort()).toEqual(['1001', '1003', '1005']);
    });

    it('answers empty for a journey of another workspace', async () => {
      const other = await itinera.createWorkspace('instance list outsiders');
      const { journeyInstances } = await other.graphql.query(INSTANCES, { journeyId: applications.id });
      expect(journeyInstances).toEqual({ nodes: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 });
    });
  });

  describe('profile(userId) { journeys }', () => {
    it('lists each journey user 88 entered, how many times, and the instances still active', async () => {
      const { profile } = await itinera.graphql.query(PROFILE, { userId: '88' });
      expect(profile.traits).toMatchObject({ first_name: 'Ada' });
      expect(profile.journeys).toHaveLength(2);
      const [applicationRow, cartRow] = profile.journeys;

      expect(applicationRow.journey).toMatchObject({ id: applications.id, name: 'Application abandonment nudge', stats: { entered: 7 } });
      expect(applicationRow.timesEntered).toBe(5);
      expect(applicationRow.activeInstances).toEqual([
        { id: await instanceIdOf('88', '1002'), currentStep: 'wait_for_completion', status: 'ACTIVE', uniqueId: '1002' },
        { id: await instanceIdOf('88', '1004'), currentStep: 'wait_for_completion', status: 'ACTIVE', uniqueId: '1004' },
      ]);

      expect(cartRow.journey).toMatchObject({ id: carts.id, name: 'Cart abandonment (cart viewed)' });
      expect(cartRow.timesEntered).toBe(1);
      expect(cartRow.activeInstances).toEqual([expect.objectContaining({ currentStep: 'wait_for_checkout', status: 'ACTIVE' })]);
    });

    it('keeps counting a journey whose instances have all ended, with no active instance', async () => {
      await itinera.ingestion.send({ ...seed.checkoutCompleted, userId: '88' });
      await waitFor(async () => {
        const { profile } = await itinera.graphql.query(PROFILE, { userId: '88' });
        return profile.journeys[1].activeInstances.length === 0 && profile;
      });
      const { profile } = await itinera.graphql.query(PROFILE, { userId: '88' });
      expect(profile.journeys[1]).toMatchObject({ journey: { id: carts.id }, timesEntered: 1, activeInstances: [] });
    });

    it('shows an empty Journeys tab for a user who entered none, and null for an unknown user', async () => {
      await itinera.ingestion.identify({ userId: 'no-journeys', traits: { plan: 'basic' } });
      expect((await itinera.graphql.query(PROFILE, { userId: 'no-journeys' })).profile).toEqual({ userId: 'no-journeys', traits: { plan: 'basic' }, journeys: [] });
      expect((await itinera.graphql.query(PROFILE, { userId: 'nobody' })).profile).toBeNull();
    });

    it('keeps workspaces apart: the same userId elsewhere has its own profile and journeys', async () => {
      const other = await itinera.createWorkspace('profile outsiders');
      expect((await other.graphql.query(PROFILE, { userId: '88' })).profile).toBeNull();

      const otherWebhook = await createWebhookDestination(other.graphql, 'http://127.0.0.1:9/unused');
      const theirs = await publishJourney(other.graphql, loadExample('03-cart-abandonment.json', { destinationId: otherWebhook }));
      await other.ingestion.send({ ...seed.cartViewed, userId: '88' });
      const profile = await waitFor(async () => {
        const { profile: found } = await other.graphql.query(PROFILE, { userId: '88' });
        return found?.journeys.length === 1 && found;
      });
      expect(profile.traits).toEqual({});
      expect(profile.journeys[0]).toMatchObject({ journey: { id: theirs.id }, timesEntered: 1 });
    });
  });

  it('answers NOT_FOUND to mutations on a journey of another workspace', async () => {
    const other = await itinera.createWorkspace('mutation outsiders');
    for (const mutation of ['pauseJourney', 'archiveJourney', 'publishJourney', 'deleteJourney']) {
      const selection = mutation === 'deleteJourney' ? '' : ' { id }';
      const error = await other.graphql.error(`mutation ($id: ID!) { ${mutation}(id: $id)${selection} }`, { id: applications.id });
      expect({ mutation, code: error.extensions?.code }).toEqual({ mutation, code: 'NOT_FOUND' });
    }
    const { journey } = await itinera.graphql.query(`query ($id: ID!) { journey(id: $id) { status } }`, { id: applications.id });
    expect(journey.status).toBe('PUBLISHED');
  });
});
