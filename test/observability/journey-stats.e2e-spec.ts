import { DEFAULT_DELIVERY_RETRY } from '../../src/config/app-config';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { createWebhookDestination, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

interface Stats {
  entered: number;
  active: number;
  completed: number;
  exited: number;
  converted: number;
  conversionPercent: number | null;
  atStep: { stepKey: string; active: number }[];
}

const STATS = `query ($id: ID!) { journey(id: $id) { goal { targetPercent } stats { entered active completed exited converted conversionPercent atStep { stepKey active } } } }`;

/**
 * Trial users of seed 000, split by plan: each waits for Account_Created (then the journey is complete),
 * Trial_Ended exits it, and Subscription Started is the goal, which converts without ending the instance.
 */
const trialByPlan = {
  name: 'Trial follow-up by plan',
  trigger: { type: 'EVENT', event: { event: 'Trial_Started' } },
  entry: { mode: 'REENTER_EVERY_TIME' },
  exit: [{ event: 'Trial_Ended' }],
  goal: { match: { event: 'Subscription Started' }, targetPercent: 30 },
  steps: [
    {
      key: 'plan_split',
      name: 'Premium plan?',
      type: 'SPLIT',
      split: {
        condition: { match: 'ALL', filters: [{ path: 'traits.plan', operator: 'EQUALS', values: ['premium'] }] },
        trueNext: 'premium_wait',
        falseNext: 'basic_wait',
      },
    },
    {
      key: 'premium_wait',
      name: 'Premium: wait for the account',
      type: 'HOLD_UNTIL',
      hold: { branches: [{ key: 'account', match: { event: 'Account_Created' } }], maxDuration: 'PT1H' },
    },
    {
      key: 'basic_wait',
      name: 'Basic: wait for the account',
      type: 'HOLD_UNTIL',
      hold: { branches: [{ key: 'account', match: { event: 'Account_Created' } }], maxDuration: 'PT1H' },
    },
  ],
};

/** What each of the 50 users does after Trial_Started, in turn. */
const BEHAVIOURS = [
  { follows: ['Account_Created'], status: 'COMPLETED', converted: false },
  { follows: ['Subscription Started'], status: 'ACTIVE', converted: true },
  { follows: ['Subscription Started', 'Account_Created'], status: 'COMPLETED', converted: true },
  { follows: ['Trial_Ended'], status: 'EXITED', converted: false },
  { follows: [], status: 'ACTIVE', converted: false },
] as const;

/** SPEC 6: per journey, instances now at each step, entered / completed / exited totals and goal conversion. */
describe('Journey.stats', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;

  beforeAll(async () => {
    // Retries a minute apart: a delivery that failed once stays RETRYING while the counts are read.
    itinera = await startTestApp({ config: { deliveryRetry: { ...DEFAULT_DELIVERY_RETRY, baseDelayMs: 60_000 } } });
    receiver = await startRecordingServer();
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  it('counts 50 trial users split by plan exactly as they were sent, and stays consistent while they arrive', async () => {
    const journey = await publishJourney(itinera.graphql, trialByPlan);
    const users = Array.from({ length: 50 }, (_, i) => ({
      userId: `trial-${i}`,
      plan: i % 2 === 0 ? 'premium' : 'basic',
      behaviour: BEHAVIOURS[i % BEHAVIOURS.length],
    }));

    // What the counts must be, from what is sent.
    const count = (keep: (user: (typeof users)[number]) => boolean) => users.filter(keep).length;
    const converted = count((u) => u.behaviour.converted);
    const expected: Stats = {
      entered: users.length,
      active: count((u) => u.behaviour.status === 'ACTIVE'),
      completed: count((u) => u.behaviour.status === 'COMPLETED'),
      exited: count((u) => u.behaviour.status === 'EXITED'),
      converted,
      conversionPercent: (converted / users.length) * 100,
      atStep: [
        { stepKey: 'premium_wait', active: count((u) => u.behaviour.status === 'ACTIVE' && u.plan === 'premium') },
        { stepKey: 'basic_wait', active: count((u) => u.behaviour.status === 'ACTIVE' && u.plan === 'basic') },
      ],
    };

    const messages = users.flatMap(({ userId, plan, behaviour }) => [
      { type: 'identify', userId, traits: { plan, email: `${userId}@example.com` } },
      { type: 'track', userId, event: 'Trial_Started', properties: { trial_plan: plan } },
      ...behaviour.follows.map((event) => ({ type: 'track', userId, event, properties: {} })),
    ]);
    const readStats = async () => (await itinera.graphql.query<{ journey: { stats: Stats } }>(STATS, { id: journey.id })).journey.stats;

    // Read the counts over and over while the users arrive: each read is one snapshot, so its parts add up.
    const snapshots: Stats[] = [];
    let sending = true;
    const reader = (async () => {
      while (sending || snapshots.length < 3) snapshots.push(await readStats());
    })();
    for (let i = 0; i < messages.length; i += 20) expect((await itinera.ingestion.batch(messages.slice(i, i + 20))).status).toBe(200);
    const final = await waitFor(
      async () => {
        const stats = await readStats();
        return JSON.stringify(stats) === JSON.stringify(expected) && stats;
      },
      { what: 'the counts of everything sent' },
    );
    sending = false;
    await reader;

    expect(final).toEqual(expected);
    expect(final.conversionPercent).toBeCloseTo(40);
    const midway = snapshots.filter((stats) => stats.entered > 0 && stats.entered < users.length).length;
    console.log(`journey stats: ${snapshots.length} reads while users arrived, ${midway} of them midway`);
    for (const stats of snapshots) {
      expect(stats.active + stats.completed + stats.exited).toBe(stats.entered);
      expect(stats.atStep.reduce((sum, step) => sum + step.active, 0)).toBe(stats.active);
      expect(stats.converted).toBeLessThanOrEqual(stats.entered);
    }
  });

  it('reports no conversion percent before anyone entered, and zero counts', async () => {
    const { createJourney } = await itinera.graphql.query(`mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`, {
      input: { ...trialByPlan, name: 'Trial follow-up, not yet published' },
    });
    const { journey } = await itinera.graphql.query<{ journey: { stats: Stats } }>(STATS, { id: createJourney.id });
    expect(journey.stats).toEqual({ entered: 0, active: 0, completed: 0, exited: 0, converted: 0, conversionPercent: null, atStep: [] });
  });

  it('counts the journey’s deliveries by status, every status listed, and has no conversion percent without a goal', async () => {
    // The receiver accepts ok-*, refuses bad-* for good (400) and is busy for busy-* (503: retried later).
    receiver.replyWith((request) => {
      const userId = String((request.json as { userId?: string }).userId);
      if (userId.startsWith('bad-')) return { status: 400, body: { error: 'unknown customer' } };
      if (userId.startsWith('busy-')) return { status: 503, body: { error: 'busy' } };
      return { status: 200, body: { ok: true } };
    });
    const destinationId = await createWebhookDestination(itinera.graphql, receiver.url);
    const journey = await publishJourney(itinera.graphql, {
      name: 'Order receipts, no goal',
      trigger: { type: 'EVENT', event: { event: 'Order_Placed' } },
      entry: { mode: 'REENTER_EVERY_TIME' },
      steps: [{ key: 'receipt', name: 'Receipt', type: 'SEND', send: { destinationId, action: 'send', mapping: {} } }],
    });
    const users = { ok: 4, bad: 2, busy: 3 };
    const messages = Object.entries(users).flatMap(([kind, n]) =>
      Array.from({ length: n }, (_, i) => ({ type: 'track', userId: `${kind}-${i}`, event: 'Order_Placed', properties: { order: i } })),
    );
    expect((await itinera.ingestion.batch(messages)).status).toBe(200);

    const read = async () =>
      (await itinera.graphql.query(`query ($id: ID!) { journey(id: $id) { stats { entered completed conversionPercent deliveries { status count } } } }`, { id: journey.id }))
        .journey.stats;
    const expected = {
      entered: 9,
      completed: 9,
      conversionPercent: null,
      deliveries: [
        { status: 'PENDING', count: 0 },
        { status: 'DELIVERED', count: users.ok },
        { status: 'RETRYING', count: users.busy },
        { status: 'FAILED', count: users.bad },
      ],
    };
    const stats = await waitFor(async () => {
      const current = await read();
      return JSON.stringify(current) === JSON.stringify(expected) && current;
    }, { what: 'every delivery attempted once' });
    expect(stats).toEqual(expected);
  });
});
