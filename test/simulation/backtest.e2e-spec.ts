import { BacktestService } from '../../src/simulation/backtest.service';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import type { GraphqlClient, IngestionClient } from '../harness/clients';
import { createWebhookDestination, loadExample } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

const BACKTEST_FIELDS = `id journeyId journeyName from to status eventsTotal eventsReplayed usersReplayed progress error createdAt finishedAt
  result { usersEntered instancesEntered converted conversionRate
           atEnd { status stepKey exitReason count } branches { stepKey branch count share } sendsPerStep { stepKey count } }`;
const BACKTEST = `mutation ($journeyId: ID, $journey: JourneyInput, $from: DateTime!, $to: DateTime!) {
  backtestJourney(journeyId: $journeyId, journey: $journey, from: $from, to: $to) { ${BACKTEST_FIELDS} } }`;
const STATUS = `query ($id: ID!) { backtest(id: $id) { ${BACKTEST_FIELDS} } }`;
const CANCEL = `mutation ($id: ID!) { cancelBacktest(id: $id) { ${BACKTEST_FIELDS} } }`;
const HOUR_MS = 3_600_000;

/**
 * `backtestJourney` replays a period of a workspace's stored events against a journey that is not live
 * (nothing is written but the backtest's row): a short one answers at once, a long one (over 50 events
 * here, read 10 per page) is a job whose progress is polled and which stops between pages once cancelled.
 */
describe('backtestJourney', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { backtestInlineEvents: 50, backtestPageEvents: 10 } });
    receiver = await startRecordingServer();
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  /** A workspace of its own (its own events), with a webhook and the cart-abandonment journey as an input never saved. */
  const workspace = async (name: string) => {
    const { graphql, ingestion } = await itinera.createWorkspace(name);
    const webhook = await createWebhookDestination(graphql, receiver.url);
    return { graphql, ingestion, journey: loadExample('03-cart-abandonment.json', { destinationId: webhook }) };
  };
  const sideEffects = async () =>
    (await itinera.db.query(`SELECT (SELECT count(*) FROM journey_instances) + (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM activities) AS n`)).rows[0].n;

  /** `users` cart viewers; every third checks out, the others abandon; plus a visitor who never views a cart. */
  const storeEvents = async (ingestion: IngestionClient, users: number) => {
    const batch: Record<string, unknown>[] = [];
    for (let i = 0; i < users; i += 1) {
      batch.push({ type: 'track', userId: `u${i}`, event: 'Cart_Viewed', properties: { cart_ID: `c${i}`, checkout_cart: [{ productId: String(i) }] } });
      if (i % 3 === 0) batch.push({ type: 'track', userId: `u${i}`, event: 'Checkout_Completed', properties: { cart_ID: `c${i}` } });
    }
    batch.push({ type: 'identify', userId: 'visitor', traits: { plan: 'free' } }, { type: 'track', userId: 'visitor', event: 'Page_Viewed', properties: {} });
    const response = await ingestion.post('/v1/batch', { batch });
    expect(response.status).toBe(200);
    return batch.length;
  };

  it('answers a short backtest at once: entries, where they end, branch shares, sends per step; nothing written', async () => {
    const { graphql, ingestion, journey } = await workspace('short');
    const from = new Date(Date.now() - 1_000);
    const stored = await storeEvents(ingestion, 6);
    const before = await sideEffects();
    const { backtestJourney: backtest } = await graphql.query(BACKTEST, { journey, from: from.toISOString(), to: new Date(from.getTime() + 2 * HOUR_MS).toISOString() });

    expect(backtest).toMatchObject({ status: 'DONE', journeyId: null, eventsTotal: stored, eventsReplayed: stored, usersReplayed: 7, progress: 1 });
    expect(backtest.result).toEqual({
      usersEntered: 6,
      instancesEntered: 6,
      converted: 0,
      conversionRate: 0,
      atEnd: [{ status: 'COMPLETED', stepKey: null, exitReason: null, count: 6 }],
      branches: [
        { stepKey: 'wait_for_checkout', branch: 'timeout', count: 4, share: 4 / 6 },
        { stepKey: 'wait_for_checkout', branch: 'checked_out', count: 2, share: 2 / 6 },
      ],
      sendsPerStep: [{ stepKey: 'cart_reminder', count: 4 }],
    });
    expect(await sideEffects()).toBe(before);
    expect(receiver.requests).toEqual([]);

    // Stopped before the holds time out, the same period leaves the abandoners waiting.
    const { backtestJourney: early } = await graphql.query(BACKTEST, { journey, from: from.toISOString(), to: new Date(from.getTime() + HOUR_MS / 2).toISOString() });
    expect(early.result.atEnd).toEqual([
      { status: 'ACTIVE', stepKey: 'wait_for_checkout', exitReason: null, count: 4 },
      { status: 'COMPLETED', stepKey: null, exitReason: null, count: 2 },
    ]);
    expect(early.result.sendsPerStep).toEqual([]);
  });

  it('runs a long backtest as a job whose progress is polled, page by page, to the full counts', async () => {
    const { graphql, ingestion, journey } = await workspace('long');
    const from = new Date(Date.now() - 1_000);
    const stored = await storeEvents(ingestion, 45);
    const { createJourney } = await graphql.query(`mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`, { input: journey });
    const { backtestJourney: queued } = await graphql.query(BACKTEST, { journeyId: createJourney.id, from: from.toISOString(), to: new Date(from.getTime() + 2 * HOUR_MS).toISOString() });
    expect(queued).toMatchObject({ status: 'QUEUED', journeyId: createJourney.id, journeyName: journey.name, result: null });

    const seen: number[] = [];
    const done = await waitFor(
      async () => {
        const { backtest } = await graphql.query(STATUS, { id: queued.id });
        seen.push(backtest.eventsReplayed);
        return backtest.status === 'DONE' && backtest;
      },
      { what: 'the backtest job', intervalMs: 20 },
    );
    expect(done).toMatchObject({ eventsTotal: stored, eventsReplayed: stored, usersReplayed: 46, progress: 1, error: null });
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(done.result).toMatchObject({ usersEntered: 45, instancesEntered: 45, sendsPerStep: [{ stepKey: 'cart_reminder', count: 30 }] });
    expect(done.result.branches.map((b: any) => [b.branch, b.count])).toEqual([
      ['timeout', 30],
      ['checked_out', 15],
    ]);
  });

  it('stops a running backtest between pages once cancelled, and never runs a cancelled one', async () => {
    const { graphql, ingestion, journey } = await workspace('cancelled');
    const from = new Date(Date.now() - 1_000);
    await storeEvents(ingestion, 30);
    const { backtestJourney: model } = await graphql.query(BACKTEST, { journey, from: from.toISOString(), to: new Date(from.getTime() + HOUR_MS).toISOString() });
    const service = itinera.app.get(BacktestService);
    // Rows like the API's, with no job: only this test runs them, so their pages can be watched.
    const queuedCopy = async () =>
      (
        await itinera.db.query(
          `INSERT INTO backtests (workspace_id, journey_name, definition, from_at, to_at, status)
           SELECT workspace_id, journey_name, definition, from_at, to_at, 'QUEUED' FROM backtests WHERE id = $1 RETURNING id`,
          [model.id],
        )
      ).rows[0].id as string;

    const queued = await queuedCopy();
    expect((await graphql.query(CANCEL, { id: queued })).cancelBacktest).toMatchObject({ status: 'CANCELLED', result: null });
    const pagesOfCancelled: number[] = [];
    await service.run(queued, async (progress) => void pagesOfCancelled.push(progress.eventsReplayed));
    expect(pagesOfCancelled).toEqual([]);
    expect((await graphql.query(STATUS, { id: queued })).backtest).toMatchObject({ status: 'CANCELLED', eventsReplayed: 0, result: null });

    // Cancelled during its first page (of 10 events), the run reads no second one.
    const running = await queuedCopy();
    const observed: number[] = [];
    await service.run(running, async (progress) => {
      observed.push(progress.eventsReplayed);
      if (observed.length === 1) expect((await graphql.query(CANCEL, { id: running })).cancelBacktest.status).toBe('CANCELLED');
    });
    expect(observed).toEqual([10]);
    const { backtest } = await graphql.query(STATUS, { id: running });
    expect(backtest).toMatchObject({ status: 'CANCELLED', result: null });
    expect(backtest.finishedAt).not.toBeNull();

    // A finished one cannot be cancelled; an unknown one is not found.
    const finished = await waitFor(async () => (await graphql.query(STATUS, { id: model.id })).backtest.status === 'DONE', { what: 'the model backtest' });
    expect(finished).toBe(true);
    expect((await graphql.error(CANCEL, { id: model.id })).extensions?.code).toBe('INVALID_STATE');
    expect((await graphql.error(CANCEL, { id: '00000000-0000-4000-8000-000000000000' })).extensions?.code).toBe('NOT_FOUND');
  });

  it('refuses a period that ends before it starts, an audience-triggered journey, and a journey of another workspace', async () => {
    const { graphql, journey }: { graphql: GraphqlClient; journey: any } = await workspace('refusals');
    const now = new Date().toISOString();
    const backwards = await graphql.error(BACKTEST, { journey, from: now, to: new Date(Date.now() - HOUR_MS).toISOString() });
    expect(backwards.extensions?.problems).toEqual([{ path: 'to', message: 'must be after from (the period is [from, to))' }]);
    const { createAudience } = await graphql.query(`mutation ($input: AudienceInput!) { createAudience(input: $input) { id } }`, {
      input: { name: 'viewers', condition: { match: 'ALL', performed: [{ event: 'Cart_Viewed', atLeast: 1 }] } },
    });
    const audience = await graphql.error(BACKTEST, { journey: { ...journey, trigger: { type: 'AUDIENCE', audienceId: createAudience.id } }, from: now, to: now });
    expect(audience.extensions?.problems).toEqual([
      { path: 'to', message: 'must be after from (the period is [from, to))' },
      { path: 'trigger', message: expect.stringContaining('do not evaluate audiences') },
    ]);
    const { createJourney } = await itinera.graphql.query(`mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`, {
      input: { ...journey, name: 'of the main workspace' },
    });
    expect((await graphql.error(BACKTEST, { journeyId: createJourney.id, from: now, to: now })).extensions?.code).toBe('NOT_FOUND');
  });
});
