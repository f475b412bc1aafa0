import { seed } from '../../src/engine/seed-events.fixture';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { GraphqlClient } from '../harness/clients';
import { createWebhookDestination, loadExample, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { applicationEvent } from '../harness/seed-messages';

interface ActivityNode {
  id: string;
  at: string;
  type: string;
  journeyId: string;
  instanceId: string;
  userId: string;
  stepKey: string | null;
}

interface ActivityFilter {
  journeyId?: string;
  userId?: string;
  instanceId?: string;
  from?: string;
  to?: string;
  types?: string[];
  stepKey?: string;
}

const ACTIVITY_PAGE = `
  query ($filter: ActivityFilter!, $first: Int, $after: String) {
    activity(filter: $filter, first: $first, after: $after) {
      nodes { id at type journeyId instanceId userId stepKey }
      pageInfo { hasNextPage endCursor }
    }
  }`;

async function activityPage(graphql: GraphqlClient, filter: ActivityFilter, first: number, after: string | null = null) {
  const { activity } = await graphql.query<{ activity: { nodes: ActivityNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(
    ACTIVITY_PAGE,
    { filter, first, after },
  );
  return activity;
}

/** Every page of `filter`, `first` at a time, as a client walks them. */
async function walk(graphql: GraphqlClient, filter: ActivityFilter, first = 500): Promise<ActivityNode[]> {
  const nodes: ActivityNode[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await activityPage(graphql, filter, first, after);
    nodes.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return nodes;
    after = page.pageInfo.endCursor;
  }
}

/** SPEC 6: `activity(filter)`, the log across users, filterable and cursor-paginated ("Profile activity"). */
describe('the activity log', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let webhook: string;

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    webhook = await createWebhookDestination(itinera.graphql, receiver.url, { timeoutMs: 2000 });
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  const cartViewed = (userId: string) => ({ type: 'track', ...seed.cartViewed, userId });
  const recordsOf = async (journeyId: string) =>
    Number((await itinera.db.query('SELECT count(*) AS n FROM activities WHERE journey_id = $1', [journeyId])).rows[0].n);

  it('yields every record that existed before a walk exactly once, while new ones are written during it', async () => {
    const journey = await publishJourney(itinera.graphql, loadExample('03-cart-abandonment.json', { destinationId: webhook, name: 'Carts, paged' }));
    const initialUsers = Array.from({ length: 120 }, (_, i) => `pager-${i}`);
    expect((await itinera.ingestion.batch(initialUsers.map(cartViewed))).status).toBe(200);
    // ENTERED and STEP_ENTERED for each viewer, who then waits an hour for a checkout.
    await waitFor(async () => (await recordsOf(journey.id)) === initialUsers.length * 2, { what: 'the initial records' });
    const initial = (await itinera.db.query('SELECT id FROM activities WHERE journey_id = $1', [journey.id])).rows.map((r) => String(r.id));

    // Small pages, and a batch of new viewers after each of the first 20: the worker writes their
    // records while the walk goes on.
    const seen: string[] = [];
    let after: string | null = null;
    let batchesSent = 0;
    let hasNextPage = true;
    while (hasNextPage || batchesSent < 20) {
      const page = await activityPage(itinera.graphql, { journeyId: journey.id }, 7, after);
      seen.push(...page.nodes.map((node) => node.id));
      ({ hasNextPage } = page.pageInfo);
      after = page.pageInfo.endCursor;
      if (batchesSent < 20) {
        const users = Array.from({ length: 5 }, (_, i) => `late-pager-${batchesSent}-${i}`);
        expect((await itinera.ingestion.batch(users.map(cartViewed))).status).toBe(200);
        batchesSent += 1;
      }
    }

    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => a - b));
    expect(initial.filter((id) => !seen.includes(id))).toEqual([]);
    const initialMax = Math.max(...initial.map(Number));
    console.log(`activity walk: ${initial.length} records before it, ${seen.filter((id) => Number(id) > initialMax).length} written during it and seen`);
    await waitFor(async () => (await recordsOf(journey.id)) === (initialUsers.length + 20 * 5) * 2, { what: 'the late viewers’ records' });
  });

  describe('activity(filter)', () => {
    let nudges: { id: string };
    let carts: { id: string };
    let all: ActivityNode[];

    beforeAll(async () => {
      nudges = await publishJourney(
        itinera.graphql,
        loadExample('02-application-abandonment.json', { destinationId: webhook, durations: { PT2H: 'PT1S' }, name: 'Nudges, logged' }),
      );
      carts = await publishJourney(itinera.graphql, loadExample('03-cart-abandonment.json', { destinationId: webhook, name: 'Carts, logged' }));
      // 88 completes application 1234 and leaves 5678 to be nudged; 89 views a cart and checks out.
      await itinera.ingestion.batch([applicationEvent('applicationStarted', '88', '1234'), applicationEvent('applicationStarted', '88', '5678')]);
      await itinera.ingestion.batch([applicationEvent('applicationCompleted', '88', '1234'), cartViewed('89')]);
      await itinera.ingestion.batch([{ type: 'track', ...seed.checkoutCompleted, userId: '89' }]);
      await waitFor(
        async () => {
          const rows = await itinera.db.query(
            `SELECT count(*) FILTER (WHERE type = 'SENT') AS sent, count(*) FILTER (WHERE type = 'COMPLETED') AS completed
               FROM activities WHERE journey_id = ANY($1::uuid[])`,
            [[nudges.id, carts.id]],
          );
          return Number(rows.rows[0].sent) === 1 && Number(rows.rows[0].completed) === 3;
        },
        { what: 'both applications and the cart to finish, and the nudge to be delivered', timeoutMs: 20_000 },
      );
      all = (await walk(itinera.graphql, {})).filter((node) => node.journeyId === nudges.id || node.journeyId === carts.id);
    });

    /** The oracle: the same records, filtered here from the whole log. */
    const expectFiltered = async (filter: ActivityFilter, keep: (node: ActivityNode) => boolean) => {
      const expected = all.filter(keep).map((node) => node.id);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(all.length);
      // Pages of 2, so each filter is also paginated.
      const served = (await walk(itinera.graphql, filter, 2)).filter((node) => node.journeyId === nudges.id || node.journeyId === carts.id);
      expect(served.map((node) => node.id)).toEqual(expected);
    };

    it('lists the whole workspace oldest first, every record once', async () => {
      const ids = all.map((node) => Number(node.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      const stored = await itinera.db.query('SELECT id FROM activities WHERE journey_id = ANY($1::uuid[]) ORDER BY id', [[nudges.id, carts.id]]);
      expect(all.map((node) => node.id)).toEqual(stored.rows.map((r) => String(r.id)));
    });

    it('filters by journey', () => expectFiltered({ journeyId: nudges.id }, (node) => node.journeyId === nudges.id));

    it('filters by user', () => expectFiltered({ userId: '89' }, (node) => node.userId === '89'));

    it('filters by instance', async () => {
      const nudged = all.find((node) => node.type === 'SENT')!.instanceId;
      await expectFiltered({ instanceId: nudged }, (node) => node.instanceId === nudged);
    });

    it('filters by activity type, one or several', async () => {
      await expectFiltered({ types: ['HOLD_MATCHED'] }, (node) => node.type === 'HOLD_MATCHED');
      await expectFiltered({ types: ['ENTERED', 'COMPLETED'] }, (node) => node.type === 'ENTERED' || node.type === 'COMPLETED');
    });

    it('filters by step key', () => expectFiltered({ stepKey: 'wait_for_completion' }, (node) => node.stepKey === 'wait_for_completion'));

    it('filters by time range, from inclusive and to exclusive', async () => {
      const times = [...new Set(all.map((node) => node.at))].sort();
      expect(times.length).toBeGreaterThanOrEqual(3);
      const [from, to] = [times[1], times[times.length - 1]];
      await expectFiltered({ from, to }, (node) => node.at >= from && node.at < to);
    });

    it('combines filters with AND', () =>
      expectFiltered(
        { journeyId: nudges.id, userId: '88', types: ['COMPLETED'] },
        (node) => node.journeyId === nudges.id && node.userId === '88' && node.type === 'COMPLETED',
      ));

    it('answers empty for a journey, instance or user of another workspace', async () => {
      const other = await itinera.createWorkspace('activity outsiders');
      const instanceId = all[0].instanceId;
      for (const filter of [{ journeyId: nudges.id }, { instanceId }, { userId: '88' }, {}]) {
        expect((await activityPage(other.graphql, filter, 100)).nodes).toEqual([]);
      }
      expect((await activityPage(other.graphql, { journeyId: 'not-a-uuid' }, 100)).nodes).toEqual([]);
    });
  });
});
