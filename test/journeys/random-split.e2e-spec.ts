import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { createWebhookDestination, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

interface Stats {
  entered: number;
  completed: number;
  branches: { stepKey: string; branch: string; taken: number }[];
}

const STATS = `query ($id: ID!) { journey(id: $id) { steps { key randomSplit { branches { key weight next } controlWeight } } stats { entered completed branches { stepKey branch taken } } } }`;

/** Issue 17's A/B/n step through the API: trial users split 2:1 between an email and an SMS nudge, with a control group. */
describe('RANDOM_SPLIT, end to end', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let webhook: string;

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    webhook = await createWebhookDestination(itinera.graphql, receiver.url);
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  const send = (key: string) => ({
    key,
    name: key.replace(/_/g, ' '),
    type: 'SEND',
    send: { destinationId: webhook, action: 'send', mapping: { data: { nudge: key, user: { '@path': '$.userId' } } } },
  });

  it('splits users by weight, sends each branch its nudge, lets the control group complete, and counts the realised split', async () => {
    const journey = await publishJourney(itinera.graphql, {
      name: 'Trial nudge A/B',
      trigger: { type: 'EVENT', event: { event: 'Trial_Started' } },
      steps: [
        {
          key: 'channel_test',
          name: 'Channel test',
          type: 'RANDOM_SPLIT',
          randomSplit: { branches: [{ key: 'email', weight: 2, next: 'email_nudge' }, { key: 'sms', weight: 1, next: 'sms_nudge' }], controlWeight: 1 },
        },
        send('email_nudge'),
        send('sms_nudge'),
      ],
    });
    const users = Array.from({ length: 80 }, (_, i) => ({ type: 'track', userId: `trial-${i}`, event: 'Trial_Started', properties: { plan: 'basic' } }));
    for (let i = 0; i < users.length; i += 40) expect((await itinera.ingestion.batch(users.slice(i, i + 40))).status).toBe(200);

    const readJourney = async () => (await itinera.graphql.query<{ journey: { steps: unknown[]; stats: Stats } }>(STATS, { id: journey.id })).journey;
    const { stats, steps } = await waitFor(
      async () => {
        const read = await readJourney();
        return read.stats.completed === users.length && read;
      },
      { what: 'every trial user through the split' },
    );
    expect(steps[0]).toEqual({
      key: 'channel_test',
      randomSplit: { branches: [{ key: 'email', weight: 2, next: 'email_nudge' }, { key: 'sms', weight: 1, next: 'sms_nudge' }], controlWeight: 1 },
    });

    const taken = Object.fromEntries(stats.branches.filter((b) => b.stepKey === 'channel_test').map((b) => [b.branch, b.taken]));
    expect(Object.keys(taken).sort()).toEqual(['control', 'email', 'sms']);
    expect(taken.email + taken.sms + taken.control).toBe(users.length);
    // 80 draws at 2:1:1 — loose bounds, the 10,000-draw test in the engine holds the tight ones.
    expect(taken.email).toBeGreaterThan(taken.sms);
    expect(taken.email).toBeGreaterThan(taken.control);

    const nudges = await waitFor(() => {
      const bodies = receiver.requests.map((r) => r.json as { journeyId?: string; data?: { nudge: string } }).filter((b) => b.journeyId === journey.id);
      return bodies.length === taken.email + taken.sms && bodies;
    }, { what: 'the nudges of both branches' });
    expect(nudges.filter((b) => b.data?.nudge === 'email_nudge')).toHaveLength(taken.email);
    expect(nudges.filter((b) => b.data?.nudge === 'sms_nudge')).toHaveLength(taken.sms);
  });

  it('refuses weights that are not whole numbers, with their paths', async () => {
    const { validateJourney } = await itinera.graphql.query<{ validateJourney: { path: string; message: string }[] }>(
      `query ($input: JourneyInput!) { validateJourney(input: $input) { path message } }`,
      {
        input: {
          name: 'Bad split',
          trigger: { type: 'EVENT', event: { event: 'Trial_Started' } },
          steps: [{ key: 'split', name: 'Split', type: 'RANDOM_SPLIT', randomSplit: { branches: [{ key: 'a', weight: 0 }, { key: 'b', weight: 3 }] } }],
        },
      },
    );
    expect(validateJourney).toEqual([
      { path: 'steps[0].randomSplit.branches[0].weight', message: 'weight of branch "a" of step "split" must be a whole number from 1 to 1000000, not 0' },
    ]);
  });
});
