import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { GraphqlClient } from '../harness/clients';
import { eventsApplied } from '../audiences/audience-fixtures';
import { createWebhookDestination, loadExample, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

/**
 * Issue 18, test mode: a DRAFT or PAUSED journey run for the workspace's test profiles only. They enter on
 * their real events; their instances, activity and deliveries are marked test and kept out of the stats;
 * their sends reach the destination with `test: true`; resetTestProfile lets them run it again.
 */

/** A welcome send, then a wait for the account; ONCE, so a second run needs resetTestProfile. */
const welcomeJourney = (destinationId: string, name: string) => ({
  name,
  trigger: { type: 'EVENT', event: { event: 'Trial_Started' } },
  entry: { mode: 'ONCE' },
  steps: [
    {
      key: 'welcome',
      name: 'Welcome',
      type: 'SEND',
      next: 'wait_for_account',
      send: { destinationId, action: 'send', eventName: 'Welcome', mapping: { data: { plan: { '@path': '$.entry.properties.plan' } } } },
    },
    { key: 'wait_for_account', name: 'Wait for the account', type: 'HOLD_UNTIL', hold: { branches: [{ key: 'account', match: { event: 'Account_Created' } }], maxDuration: 'PT1H' } },
  ],
});

const JOURNEY_TEST = `query ($id: ID!) { journey(id: $id) { status test { version problems { path message } } } }`;
const STATS = `query ($id: ID!) { journey(id: $id) { stats { entered active completed exited converted conversionPercent branches { stepKey } deliveries { status count } } } }`;
const ZERO_STATS = {
  entered: 0,
  active: 0,
  completed: 0,
  exited: 0,
  converted: 0,
  conversionPercent: null,
  branches: [],
  deliveries: ['PENDING', 'DELIVERED', 'RETRYING', 'FAILED'].map((status) => ({ status, count: 0 })),
};

describe('test mode', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let graphql: GraphqlClient;
  let webhook: string;

  beforeAll(async () => {
    itinera = await startTestApp();
    graphql = itinera.graphql;
    receiver = await startRecordingServer();
    webhook = await createWebhookDestination(graphql, receiver.url);
  });
  afterAll(async () => {
    await itinera.close();
    await receiver.close();
  });

  const createDraft = async (input: unknown): Promise<string> =>
    (await graphql.query(`mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`, { input })).createJourney.id;
  const startTest = (id: string) => graphql.query(`mutation ($id: ID!) { startJourneyTest(id: $id) { id test { version } } }`, { id });
  const addTestProfile = (userId: string) => graphql.query(`mutation ($u: String!) { addTestProfile(userId: $u) { userId addedAt } }`, { u: userId });
  const reset = async (userId: string, journeyId: string): Promise<number> =>
    (await graphql.query(`mutation ($u: String!, $j: ID!) { resetTestProfile(userId: $u, journeyId: $j) }`, { u: userId, j: journeyId })).resetTestProfile;
  /** Sends the events and waits until the runtime applied all of the user's events, so "nothing entered" can be asserted. */
  const send = async (userId: string, ...events: { event: string; properties?: Record<string, unknown> }[]) => {
    const response = await itinera.ingestion.batch(events.map((e) => ({ type: 'track', userId, properties: {}, ...e })));
    expect(response.status).toBe(200);
    await eventsApplied(itinera, userId);
  };
  const instances = async (journeyId: string, userId: string) =>
    (
      await graphql.query(
        `query ($j: ID!, $u: String) { journeyInstances(journeyId: $j, userId: $u) { nodes { id test status journeyVersion exitReason currentStep timeline { type test } } } }`,
        { j: journeyId, u: userId },
      )
    ).journeyInstances.nodes as { id: string; test: boolean; status: string; journeyVersion: number; exitReason: string | null; currentStep: string | null; timeline: { type: string; test: boolean }[] }[];

  describe('workspace test profiles', () => {
    it('adds, lists and removes test profiles; adding one twice changes nothing', async () => {
      const first = (await addTestProfile('qa-ada')).addTestProfile;
      expect(first).toEqual({ userId: 'qa-ada', addedAt: expect.any(String) });
      expect((await addTestProfile('qa-ada')).addTestProfile).toEqual(first);
      await addTestProfile('qa-bob');
      expect((await graphql.query(`{ testProfiles { userId } }`)).testProfiles).toEqual([{ userId: 'qa-ada' }, { userId: 'qa-bob' }]);
      expect(await graphql.query(`mutation { removeTestProfile(userId: "qa-bob") }`)).toEqual({ removeTestProfile: true });
      expect(await graphql.query(`mutation { removeTestProfile(userId: "qa-bob") }`)).toEqual({ removeTestProfile: false });
      expect((await graphql.query(`{ testProfiles { userId } }`)).testProfiles).toEqual([{ userId: 'qa-ada' }]);
    });

    it('refuses an empty or over-long userId, naming the problem', async () => {
      for (const [userId, message] of [
        ['  ', 'userId must not be empty'],
        ['x'.repeat(256), 'userId is 256 characters long; the limit is 255'],
      ]) {
        const error = await graphql.error(`mutation ($u: String!) { addTestProfile(userId: $u) { userId } }`, { u: userId });
        expect([error.extensions?.code, error.extensions?.problems]).toEqual(['BAD_USER_INPUT', [{ path: 'userId', message }]]);
      }
      expect((await graphql.query(`{ testProfiles { userId } }`)).testProfiles).toEqual([{ userId: 'qa-ada' }]);
    });

    it('records each change in the audit log with the userId as its target', async () => {
      await addTestProfile('qa-audited');
      await graphql.query(`mutation { removeTestProfile(userId: "qa-audited") }`);
      const { auditLog } = await graphql.query(`{ auditLog(filter: { targetId: "qa-audited" }, first: 10) { nodes { operation targetId outcome } } }`);
      expect(auditLog.nodes.map((entry: { operation: string }) => entry.operation).sort()).toEqual(['addTestProfile', 'removeTestProfile']);
      expect(auditLog.nodes.every((entry: { outcome: string }) => entry.outcome === 'OK')).toBe(true);
    });
  });

  describe('starting a test', () => {
    it('refuses a draft that does not validate, listing every problem, and stays out of test mode', async () => {
      const id = await createDraft({
        name: 'Unfinished welcome',
        trigger: { type: 'EVENT', event: { event: 'Trial_Started' } },
        steps: [
          { key: 'welcome', name: 'Welcome', type: 'SEND', next: 'nowhere', send: { destinationId: webhook, action: 'send', mapping: {} } },
          { key: 'wait', name: 'Wait', type: 'WAIT', wait: { duration: 'not a duration' } },
        ],
      });
      const error = await graphql.error(`mutation ($id: ID!) { startJourneyTest(id: $id) { id } }`, { id });
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      const paths = (error.extensions?.problems ?? []).map((problem) => problem.path);
      expect(paths).toEqual(expect.arrayContaining(['steps[0].next', 'steps[1].wait.duration']));
      expect((await graphql.query(JOURNEY_TEST, { id })).journey.test).toBeNull();
    });

    it('refuses a published journey: it runs for everyone already', async () => {
      const journey = await publishJourney(graphql, welcomeJourney(webhook, 'Published welcome, not testable'));
      const error = await graphql.error(`mutation ($id: ID!) { startJourneyTest(id: $id) { id } }`, { id: journey.id });
      expect([error.extensions?.code, error.message]).toEqual(['INVALID_STATE', expect.stringContaining('only a DRAFT or PAUSED journey')]);
      await graphql.query(`mutation ($id: ID!) { archiveJourney(id: $id) { id } }`, { id: journey.id });
    });
  });

  describe('a draft under test', () => {
    let draftId: string;
    beforeAll(async () => {
      await addTestProfile('qa-carol');
      draftId = await createDraft(welcomeJourney(webhook, 'Welcome draft under test'));
      expect((await startTest(draftId)).startJourneyTest.test).toEqual({ version: 1 });
    });

    it('admits test profiles only, on their real events, marking their instance, activity and delivery as test', async () => {
      const before = receiver.requests.length;
      await send('not-a-tester', { event: 'Trial_Started', properties: { plan: 'basic' } });
      await send('qa-carol', { event: 'Trial_Started', properties: { plan: 'premium' } });
      expect(await instances(draftId, 'not-a-tester')).toEqual([]);

      const [run] = await instances(draftId, 'qa-carol');
      expect(run).toMatchObject({ test: true, status: 'ACTIVE', currentStep: 'wait_for_account', journeyVersion: 1 });
      expect(run.timeline.map((record) => record.type)).toEqual(expect.arrayContaining(['ENTERED', 'STEP_ENTERED']));
      expect(run.timeline.every((record) => record.test)).toBe(true);

      // The send reaches the destination as usual, saying it is a test.
      const request = await waitFor(() => receiver.requests.slice(before).find((r) => (r.json as { userId?: string }).userId === 'qa-carol'), { what: 'the test send' });
      expect(request.json).toMatchObject({ key: 'welcome', event: 'Welcome', journeyId: draftId, userId: 'qa-carol', test: true, data: { plan: 'premium' } });
      expect(receiver.requests.slice(before).filter((r) => (r.json as { userId?: string }).userId === 'not-a-tester')).toEqual([]);
      const { deliveries } = await graphql.query(`query ($j: ID!) { deliveries(journeyId: $j) { nodes { userId test status } } }`, { j: draftId });
      await waitFor(async () => (await graphql.query(`query ($j: ID!) { deliveries(journeyId: $j) { nodes { status } } }`, { j: draftId })).deliveries.nodes[0]?.status === 'DELIVERED');
      expect(deliveries.nodes).toEqual([{ userId: 'qa-carol', test: true, status: expect.any(String) }]);
      const sent = await waitFor(async () => (await itinera.db.query(`SELECT test FROM activities WHERE journey_id = $1 AND type = 'SENT'`, [draftId])).rows[0]);
      expect(sent).toEqual({ test: true });
    });

    it('keeps test runs out of Journey.stats', async () => {
      expect((await graphql.query(STATS, { id: draftId })).journey.stats).toEqual(ZERO_STATS);
    });

    it('shows test runs in the activity log, which filters on test', async () => {
      const read = async (test: boolean | null) =>
        (await graphql.query(`query ($f: ActivityFilter!) { activity(filter: $f, first: 500) { nodes { userId test } } }`, { f: { journeyId: draftId, test } })).activity.nodes;
      const all = await read(null);
      expect(all.length).toBeGreaterThan(0);
      expect(all.every((record: { userId: string; test: boolean }) => record.userId === 'qa-carol' && record.test)).toBe(true);
      expect(await read(true)).toEqual(all);
      expect(await read(false)).toEqual([]);
    });

    it('lets the test profile run it again after resetTestProfile, even with entry mode ONCE', async () => {
      await send('qa-carol', { event: 'Trial_Started', properties: { plan: 'premium' } });
      expect(await instances(draftId, 'qa-carol')).toHaveLength(1); // ONCE: the second trigger is refused

      expect(await reset('qa-carol', draftId)).toBe(1);
      const [ended] = await instances(draftId, 'qa-carol');
      expect(ended).toMatchObject({ status: 'EXITED', exitReason: 'test_reset' });
      expect(ended.timeline.at(-1)).toEqual({ type: 'EXITED', test: true });

      await send('qa-carol', { event: 'Trial_Started', properties: { plan: 'basic' } });
      const runs = await instances(draftId, 'qa-carol');
      expect(runs.map((r) => [r.status, r.test])).toEqual([
        ['EXITED', true],
        ['ACTIVE', true],
      ]);
      expect(await reset('qa-carol', draftId)).toBe(1);
      expect(await reset('qa-carol', draftId)).toBe(0);
    });

    it('runs the latest valid draft for new test entries while running ones keep theirs; an invalid edit is reported, not run', async () => {
      await addTestProfile('qa-dan');
      await send('qa-dan', { event: 'Trial_Started' });
      const update = (steps: unknown) =>
        graphql.query(`mutation ($id: ID!, $input: JourneyPatchInput!) { updateJourney(id: $id, input: $input) { id } }`, { id: draftId, input: { steps } });
      const steps = welcomeJourney(webhook, '').steps;

      // A valid edit: the hold now waits for Account_Verified.
      await update([steps[0], { ...steps[1], hold: { branches: [{ key: 'account', match: { event: 'Account_Verified' } }], maxDuration: 'PT1H' } }]);
      expect((await graphql.query(JOURNEY_TEST, { id: draftId })).journey.test).toEqual({ version: 2, problems: [] });
      await reset('qa-carol', draftId);
      await send('qa-carol', { event: 'Trial_Started' });
      const carol = (await instances(draftId, 'qa-carol')).at(-1)!;
      expect(carol).toMatchObject({ journeyVersion: 2, status: 'ACTIVE' });

      // Dan's run keeps version 1: Account_Created completes it; Carol's, on version 2, waits for Account_Verified.
      await send('qa-dan', { event: 'Account_Created' });
      await send('qa-carol', { event: 'Account_Created' });
      expect((await instances(draftId, 'qa-dan')).map((r) => [r.journeyVersion, r.status])).toEqual([[1, 'COMPLETED']]);
      expect((await instances(draftId, 'qa-carol')).at(-1)).toMatchObject({ journeyVersion: 2, status: 'ACTIVE' });

      // An edit that does not validate is saved as a draft, reported, and not run.
      await update([{ ...steps[0], next: 'gone' }, steps[1]]);
      expect((await graphql.query(JOURNEY_TEST, { id: draftId })).journey.test).toEqual({
        version: 2,
        problems: expect.arrayContaining([expect.objectContaining({ path: 'steps[0].next' })]),
      });
      await reset('qa-dan', draftId);
      await send('qa-dan', { event: 'Trial_Started' });
      expect((await instances(draftId, 'qa-dan')).at(-1)).toMatchObject({ journeyVersion: 2, status: 'ACTIVE' });
      await update(steps);
      expect((await graphql.query(JOURNEY_TEST, { id: draftId })).journey.test).toEqual({ version: 3, problems: [] });
    });

    it('stops admitting test profiles after stopJourneyTest; running test instances go on', async () => {
      await graphql.query(`mutation ($id: ID!) { stopJourneyTest(id: $id) { id } }`, { id: draftId });
      expect((await graphql.query(JOURNEY_TEST, { id: draftId })).journey.test).toBeNull();
      await addTestProfile('qa-erin');
      await send('qa-erin', { event: 'Trial_Started' });
      expect(await instances(draftId, 'qa-erin')).toEqual([]);
      expect((await instances(draftId, 'qa-carol')).at(-1)).toMatchObject({ status: 'ACTIVE' });
      await send('qa-carol', { event: 'Account_Verified' });
      expect((await instances(draftId, 'qa-carol')).at(-1)).toMatchObject({ status: 'COMPLETED' });
    });
  });

  it('keeps a test profile in the published journeys as the real user they are, apart from their test run', async () => {
    await addTestProfile('qa-frank');
    const live = await publishJourney(graphql, welcomeJourney(webhook, 'Welcome, live'));
    const draftId = await createDraft(welcomeJourney(webhook, 'Welcome, next version under test'));
    await startTest(draftId);

    await send('qa-frank', { event: 'Trial_Started', properties: { plan: 'premium' } });
    expect((await instances(live.id, 'qa-frank')).map((r) => r.test)).toEqual([false]);
    expect((await instances(draftId, 'qa-frank')).map((r) => r.test)).toEqual([true]);
    // Resetting the test run leaves the live instance alone.
    expect(await reset('qa-frank', live.id)).toBe(0);
    expect(await reset('qa-frank', draftId)).toBe(1);
    expect((await instances(live.id, 'qa-frank')).map((r) => r.status)).toEqual(['ACTIVE']);
    await waitFor(async () => (await graphql.query(STATS, { id: live.id })).journey.stats.deliveries.find((d: { status: string }) => d.status === 'DELIVERED').count === 1);
    expect((await graphql.query(STATS, { id: live.id })).journey.stats).toMatchObject({ entered: 1, active: 1 });
    await graphql.query(`mutation ($id: ID!) { archiveJourney(id: $id) { id } }`, { id: live.id });
  });

  it('tests a paused journey beside its live instances, and ends test mode when it is resumed', async () => {
    await addTestProfile('qa-gina');
    const journey = await publishJourney(graphql, welcomeJourney(webhook, 'Welcome, paused for a test'));
    await send('qa-gina', { event: 'Trial_Started' });
    await graphql.query(`mutation ($id: ID!) { pauseJourney(id: $id) { id } }`, { id: journey.id });
    await startTest(journey.id);

    // Paused, it admits no one live; the test profile enters its test although their live instance (ONCE) is active.
    await send('someone-else', { event: 'Trial_Started' });
    await send('qa-gina', { event: 'Trial_Started' });
    expect(await instances(journey.id, 'someone-else')).toEqual([]);
    expect((await instances(journey.id, 'qa-gina')).map((r) => [r.test, r.status, r.journeyVersion])).toEqual([
      [false, 'ACTIVE', 1],
      [true, 'ACTIVE', 1],
    ]);
    // One event advances both: the live one is counted, the test one is not.
    await send('qa-gina', { event: 'Account_Created' });
    expect((await instances(journey.id, 'qa-gina')).map((r) => r.status)).toEqual(['COMPLETED', 'COMPLETED']);
    expect((await graphql.query(STATS, { id: journey.id })).journey.stats).toMatchObject({ entered: 1, completed: 1 });

    const { resumeJourney } = await graphql.query(`mutation ($id: ID!) { resumeJourney(id: $id) { status test { version } } }`, { id: journey.id });
    expect(resumeJourney).toEqual({ status: 'PUBLISHED', test: null });
    await graphql.query(`mutation ($id: ID!) { archiveJourney(id: $id) { id } }`, { id: journey.id });
  });

  it('ends test mode when the draft is published, after which test profiles enter as everyone does', async () => {
    await addTestProfile('qa-hal');
    const draftId = await createDraft(welcomeJourney(webhook, 'Welcome, tested then published'));
    await startTest(draftId);
    await send('qa-hal', { event: 'Trial_Started' });
    const { publishJourney: published } = await graphql.query(`mutation ($id: ID!) { publishJourney(id: $id) { status test { version } } }`, { id: draftId });
    expect(published).toEqual({ status: 'PUBLISHED', test: null });
    // The test run does not count as an entry for ONCE: the live journey admits the tester.
    await send('qa-hal', { event: 'Trial_Started' });
    expect((await instances(draftId, 'qa-hal')).map((r) => r.test)).toEqual([true, false]);
    expect((await graphql.query(STATS, { id: draftId })).journey.stats).toMatchObject({ entered: 1 });
    await graphql.query(`mutation ($id: ID!) { archiveJourney(id: $id) { id } }`, { id: draftId });
  });

  it('keeps test runs out of the instance metrics', async () => {
    await addTestProfile('qa-ivy');
    const draftId = await createDraft(welcomeJourney(webhook, 'Welcome, not in metrics'));
    await startTest(draftId);
    await send('qa-ivy', { event: 'Trial_Started' });
    expect(await instances(draftId, 'qa-ivy')).toHaveLength(1);
    const metrics = await (await fetch(`${itinera.url}/metrics`)).text();
    expect(metrics).toContain('itinera_instances_total{journey_id=');
    expect(metrics).not.toContain(draftId);
  });

  it('runs examples/README.md’s test-mode steps with example 06: the tester’s reminder says test, stats stay at zero, a reset runs it again', async () => {
    await addTestProfile('qa-ada');
    const draftId = await createDraft(loadExample('06-trial-re-engagement.json', { destinationId: webhook, durations: { P3D: 'PT1S' } }));
    expect((await startTest(draftId)).startJourneyTest.test).toEqual({ version: 1 });

    const remindersOf = (userId: string) =>
      receiver.requests.filter((r) => (r.json as { journeyId?: string; userId?: string }).journeyId === draftId && (r.json as { userId?: string }).userId === userId);
    await send('qa-ada', { event: 'Trial_Started' });
    await send('someone-trialling', { event: 'Trial_Started' });
    const [first] = await waitFor(() => remindersOf('qa-ada').length >= 1 && remindersOf('qa-ada'), { what: 'the first reminder' });
    expect(first.json).toMatchObject({ key: 'first_trial_reminder', event: 'Trial Reminder 1', test: true });
    await send('qa-ada', { event: 'Trial_Ended' });
    expect(remindersOf('someone-trialling')).toEqual([]);
    expect((await graphql.query(STATS, { id: draftId })).journey.stats).toEqual(ZERO_STATS);
    const { activity } = await graphql.query(`query ($j: ID!) { activity(filter: { journeyId: $j, test: true }, first: 100) { nodes { userId } } }`, { j: draftId });
    expect(new Set(activity.nodes.map((n: { userId: string }) => n.userId))).toEqual(new Set(['qa-ada']));

    await reset('qa-ada', draftId);
    await send('qa-ada', { event: 'Trial_Started' });
    expect((await instances(draftId, 'qa-ada')).map((r) => r.test)).toEqual([true, true]);
  });

  it('deletes a draft’s test runs with the draft: instances, activity records and deliveries', async () => {
    await addTestProfile('qa-jo');
    const draftId = await createDraft(welcomeJourney(webhook, 'Welcome, tested then deleted'));
    await startTest(draftId);
    await send('qa-jo', { event: 'Trial_Started' });
    const count = async (table: string) => Number((await itinera.db.query(`SELECT count(*) AS n FROM ${table} WHERE journey_id = $1`, [draftId])).rows[0].n);
    const sent = async () => Number((await itinera.db.query(`SELECT count(*) AS n FROM activities WHERE journey_id = $1 AND type = 'SENT'`, [draftId])).rows[0].n);
    await waitFor(async () => (await sent()) === 1 && (await count('deliveries')) === 1, { what: 'the test run and its send' });
    expect(await graphql.query(`mutation ($id: ID!) { deleteJourney(id: $id) }`, { id: draftId })).toEqual({ deleteJourney: true });
    expect([await count('journey_instances'), await count('activities'), await count('deliveries')]).toEqual([0, 0, 0]);
  });

  it('answers NOT_FOUND for resetTestProfile of an unknown journey', async () => {
    const error = await graphql.error(`mutation { resetTestProfile(userId: "qa-ada", journeyId: "00000000-0000-4000-8000-000000000000") }`);
    expect(error.extensions?.code).toBe('NOT_FOUND');
  });
});
