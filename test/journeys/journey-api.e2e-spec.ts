import { applicationAbandonment, createDestination, JOURNEY_FIELDS, JourneyTestApp, startJourneyTestApp } from './journey-fixtures';

describe('journeys admin API: drafts, names, listing, workspaces and stats', () => {
  let itinera: JourneyTestApp;
  let webhookId: string;

  beforeAll(async () => {
    itinera = await startJourneyTestApp();
    webhookId = await createDestination(itinera);
  });
  afterAll(() => itinera.close());

  const api = () => itinera.journeys;

  describe('drafts', () => {
    it('creates a DRAFT with every part of the input, defaults applied', async () => {
      const journey = await api().create(applicationAbandonment(webhookId, 'Draft with defaults'));
      expect(journey).toMatchObject({
        name: 'Draft with defaults',
        description: expect.stringMatching(/^Nudges a user/),
        status: 'DRAFT',
        version: 1,
        duplicatedFromId: null,
        publishedAt: null,
        startStep: 'wait_for_completion',
        trigger: { type: 'EVENT', event: { event: 'Application_Started', filters: [] }, audienceId: null, audienceFilterId: null, useHistoricalData: false },
        entry: { mode: 'REENTER_EVERY_TIME', uniqueIdentifier: 'properties.Application_id' },
        exit: [],
        goal: null,
      });
      expect(journey.steps[0]).toEqual({
        key: 'wait_for_completion',
        name: 'Wait for completion',
        type: 'HOLD_UNTIL',
        next: null,
        hold: {
          branches: [{ key: 'completed', match: { event: 'Application_Completed', filters: [] }, next: null }],
          updateEvents: [],
          maxDuration: 'PT2H',
          timeoutNext: 'application_nudge',
        },
        wait: null,
        waitForCondition: null,
        split: null,
        multiBranch: null,
        send: null,
      });
      expect(journey.steps[1].send).toMatchObject({ destinationId: webhookId, action: 'send', eventName: 'Application Nudge', enabled: true });
    });

    it('saves an unfinished canvas: steps without configuration and a hold without branches', async () => {
      const journey = await api().create({
        name: 'Unfinished canvas',
        trigger: { type: 'EVENT' },
        steps: [
          { name: 'Wait for completion', type: 'HOLD_UNTIL', hold: { branches: [], maxDuration: '' } },
          { name: 'Nudge', type: 'SEND' },
        ],
      });
      expect(journey.status).toBe('DRAFT');
      expect(journey.steps.map((step: any) => step.type)).toEqual(['HOLD_UNTIL', 'SEND']);
      expect(journey.trigger).toEqual({ type: 'EVENT', event: null, audienceId: null, audienceFilterId: null, useHistoricalData: false });
    });

    it('generates step keys from step names (slug + suffix) and keeps them through later edits', async () => {
      const journey = await api().create({
        name: 'Generated keys',
        trigger: { type: 'EVENT', event: { event: 'Email_Opened' } },
        steps: [
          { name: 'Opened email', type: 'WAIT', wait: { duration: 'PT1H' } },
          { key: 'given_key', name: 'Done', type: 'END' },
        ],
      });
      const [generated, given] = journey.steps.map((step: any) => step.key);
      expect(generated).toMatch(/^opened_email_[a-z0-9]{6}$/);
      expect(given).toBe('given_key');

      const steps = structuredClone(journey.steps);
      steps[0].next = 'given_key';
      steps[0].name = 'Opened the email';
      const edited = await api().update(journey.id, { steps });
      expect(edited.steps.map((step: any) => step.key)).toEqual([generated, 'given_key']);
    });

    it('replaces only the parts a patch gives; null clears the description, exit and goal', async () => {
      const input = { ...applicationAbandonment(webhookId, 'Patched draft'), exit: [{ event: 'Application_Withdrawn' }], goal: { match: { event: 'Application_Completed' }, targetPercent: 40 } };
      const journey = await api().create(input);

      const withEntry = await api().update(journey.id, { entry: { mode: 'ONCE' } });
      expect(withEntry.entry).toEqual({ mode: 'ONCE', uniqueIdentifier: null });
      expect(withEntry.steps).toEqual(journey.steps);
      expect(withEntry.goal).toEqual(journey.goal);

      const cleared = await api().update(journey.id, { description: null, exit: null, goal: null });
      expect(cleared).toMatchObject({ description: null, exit: [], goal: null, name: 'Patched draft', entry: { mode: 'ONCE' } });
      expect(Date.parse(cleared.updatedAt)).toBeGreaterThanOrEqual(Date.parse(journey.updatedAt));
    });

    it('changes any part of a draft, trigger and step structure included', async () => {
      const journey = await api().create(applicationAbandonment(webhookId, 'Reshaped draft'));
      const edited = await api().update(journey.id, {
        trigger: { type: 'EVENT', event: { event: 'Application_Submitted' } },
        steps: [{ key: 'done', name: 'Done', type: 'END' }],
      });
      expect(edited.trigger.event.event).toBe('Application_Submitted');
      expect(edited.steps.map((step: any) => step.key)).toEqual(['done']);
      expect(edited.version).toBe(1);
    });
  });

  describe('names', () => {
    it('refuses an empty name on create and on update with BAD_USER_INPUT and the problem', async () => {
      const onCreate = await api().createError({ ...applicationAbandonment(webhookId), name: '' });
      expect(onCreate.extensions).toEqual({ code: 'BAD_USER_INPUT', problems: [{ path: 'name', message: 'journey needs a name' }] });

      const journey = await api().create(applicationAbandonment(webhookId, 'Named once'));
      const onUpdate = await api().updateError(journey.id, { name: '   ' });
      expect(onUpdate.extensions).toEqual({ code: 'BAD_USER_INPUT', problems: [{ path: 'name', message: 'journey needs a name' }] });
    });

    it('refuses a description over 1000 characters', async () => {
      const error = await api().createError({ ...applicationAbandonment(webhookId, 'Long description'), description: 'd'.repeat(1001) });
      expect(error.extensions?.problems).toEqual([{ path: 'description', message: 'description is 1001 characters long; the limit is 1000' }]);
    });

    it('answers CONFLICT for a name already used in the workspace, on create and on rename', async () => {
      await api().create(applicationAbandonment(webhookId, 'Cart abandonment'));
      const onCreate = await api().createError(applicationAbandonment(webhookId, 'Cart abandonment'));
      expect(onCreate.extensions?.code).toBe('CONFLICT');
      expect(onCreate.message).toBe('a journey named "Cart abandonment" already exists in this workspace');

      const other = await api().create(applicationAbandonment(webhookId, 'Browse abandonment'));
      const onRename = await api().updateError(other.id, { name: 'Cart abandonment' });
      expect(onRename.extensions?.code).toBe('CONFLICT');
      expect((await api().get(other.id)).name).toBe('Browse abandonment');
    });

    it('allows the same name in another workspace', async () => {
      await api().create(applicationAbandonment(webhookId, 'Shared name'));
      const other = await itinera.createWorkspace('names elsewhere');
      const { createJourney } = await other.graphql.query(`mutation($input: JourneyInput!) { createJourney(input: $input) { name } }`, {
        input: applicationAbandonment(webhookId, 'Shared name'),
      });
      expect(createJourney.name).toBe('Shared name');
    });
  });

  describe('workspaces', () => {
    it("answers null for journey(id) of another workspace's journey, and NOT_FOUND for every mutation on it", async () => {
      const mine = await api().create(applicationAbandonment(webhookId, 'Mine only'));
      const other = await itinera.createWorkspace('intruder');
      const intruder = other.graphql;

      expect((await intruder.query(`query($id: ID!) { journey(id: $id) { id } }`, { id: mine.id })).journey).toBeNull();
      for (const operation of ['publishJourney', 'pauseJourney', 'resumeJourney', 'archiveJourney', 'deleteJourney']) {
        const selection = operation === 'deleteJourney' ? '' : '{ id }';
        const error = await intruder.error(`mutation($id: ID!) { ${operation}(id: $id) ${selection} }`, { id: mine.id });
        expect([operation, error.extensions?.code, error.message]).toEqual([operation, 'NOT_FOUND', `journey ${mine.id} not found`]);
      }
      const update = await intruder.error(`mutation($id: ID!) { updateJourney(id: $id, input: { name: "Stolen" }) { id } }`, { id: mine.id });
      expect(update.extensions?.code).toBe('NOT_FOUND');
      const duplicate = await intruder.error(`mutation($id: ID!) { duplicateJourney(id: $id, name: "Copied") { id } }`, { id: mine.id });
      expect(duplicate.extensions?.code).toBe('NOT_FOUND');
      expect((await intruder.query(`{ journeys { totalCount } }`)).journeys.totalCount).toBe(0);
      expect(await api().get(mine.id)).toMatchObject({ name: 'Mine only', status: 'DRAFT' });
    });

    it('answers null and NOT_FOUND for ids that are not UUIDs at all', async () => {
      expect(await api().get('not-a-uuid')).toBeNull();
      const error = await api().lifecycleError('publishJourney', 'not-a-uuid');
      expect(error.extensions?.code).toBe('NOT_FOUND');
    });

    it('asks for an admin token', async () => {
      const error = await itinera.graphql.withToken(undefined).error(`{ journeys { totalCount } }`);
      expect(error.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('listing', () => {
    let listing: Awaited<ReturnType<JourneyTestApp['createWorkspace']>>;
    const page = async (args: string) =>
      (await listing.graphql.query(`{ journeys${args} { nodes { name status } pageInfo { hasNextPage endCursor } totalCount } }`)).journeys;

    beforeAll(async () => {
      listing = await itinera.createWorkspace('listing');
      for (let i = 1; i <= 5; i++) {
        await listing.graphql.query(`mutation($input: JourneyInput!) { createJourney(input: $input) { id } }`, {
          input: { name: `Journey ${i}`, trigger: { type: 'EVENT', event: { event: 'Order_Confirmation' } }, steps: [{ key: 'done', name: 'Done', type: 'END' }] },
        });
      }
      const { journeys } = await listing.graphql.query(`{ journeys(first: 1) { nodes { id } } }`);
      await listing.graphql.query(`mutation($id: ID!) { publishJourney(id: $id) { id } }`, { id: journeys.nodes[0].id });
    });

    it('pages oldest first with opaque cursors, and counts every match', async () => {
      const first = await page('(first: 2)');
      expect(first.nodes.map((n: any) => n.name)).toEqual(['Journey 1', 'Journey 2']);
      expect(first.pageInfo.hasNextPage).toBe(true);
      expect(first.totalCount).toBe(5);

      const second = await page(`(first: 2, after: "${first.pageInfo.endCursor}")`);
      expect(second.nodes.map((n: any) => n.name)).toEqual(['Journey 3', 'Journey 4']);
      const third = await page(`(first: 2, after: "${second.pageInfo.endCursor}")`);
      expect(third.nodes.map((n: any) => n.name)).toEqual(['Journey 5']);
      expect(third.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });
    });

    it('returns 50 by default', async () => {
      expect((await page('')).nodes).toHaveLength(5);
    });

    it('filters by status', async () => {
      const published = await page('(status: PUBLISHED)');
      expect(published).toMatchObject({ nodes: [{ name: 'Journey 1', status: 'PUBLISHED' }], totalCount: 1 });
      expect((await page('(status: DRAFT)')).totalCount).toBe(4);
    });

    it('refuses first above 200 and below 1, and a cursor it did not make, with BAD_USER_INPUT', async () => {
      const tooMany = await listing.graphql.error(`{ journeys(first: 201) { totalCount } }`);
      expect(tooMany.extensions).toEqual({ code: 'BAD_USER_INPUT', problems: [{ path: 'first', message: 'must be between 1 and 200' }] });
      expect((await listing.graphql.error(`{ journeys(first: 0) { totalCount } }`)).extensions?.code).toBe('BAD_USER_INPUT');
      const notOurs = { code: 'BAD_USER_INPUT', problems: [{ path: 'after', message: 'not a cursor returned by this API' }] };
      expect((await listing.graphql.error(`{ journeys(after: "bm90IGEgY3Vyc29y") { totalCount } }`)).extensions).toEqual(notOurs);
      const forged = Buffer.from(JSON.stringify(['yesterday', "'; DROP TABLE journeys"])).toString('base64url');
      expect((await listing.graphql.error(`{ journeys(after: "${forged}") { totalCount } }`)).extensions).toEqual(notOurs);
    });
  });

  describe('stats', () => {
    const statsOf = async (id: string) =>
      (await itinera.graphql.query(`query($id: ID!) { journey(id: $id) { stats { entered active completed exited converted conversionPercent atStep { stepKey active } } } }`, { id }))
        .journey.stats;

    it('gives zero counts and no conversion percent before anyone entered', async () => {
      const journey = await api().create(applicationAbandonment(webhookId, 'Nobody yet'));
      expect(await statsOf(journey.id)).toEqual({ entered: 0, active: 0, completed: 0, exited: 0, converted: 0, conversionPercent: null, atStep: [] });
    });

    it('counts instances by status, conversions, and active instances per step in step order', async () => {
      // With a goal: without one, conversionPercent is null whatever the instances say.
      const input = { ...applicationAbandonment(webhookId, 'Busy journey'), goal: { match: { event: 'Application_Completed' }, targetPercent: 40 } };
      const journey = await api().lifecycle('publishJourney', (await api().create(input)).id);
      const instances: [string, string, string | null, boolean][] = [
        ['88', 'ACTIVE', 'application_nudge', false],
        ['89', 'ACTIVE', 'wait_for_completion', false],
        ['90', 'ACTIVE', 'wait_for_completion', true],
        ['91', 'COMPLETED', null, true],
        ['92', 'COMPLETED', null, false],
        ['93', 'EXITED', null, false],
        ['94', 'EXITED', null, true],
        ['95', 'COMPLETED', null, false],
      ];
      for (const [userId, status, currentStep, converted] of instances) {
        await itinera.db.query(
          `INSERT INTO journey_instances (id, workspace_id, journey_id, journey_version, user_id, status, current_step, context, converted, entered_at)
           VALUES (gen_random_uuid(), $1, $2, 1, $3, $4, $5, '{}', $6, now())`,
          [itinera.workspace.workspaceId, journey.id, userId, status, currentStep, converted],
        );
      }
      expect(await statsOf(journey.id)).toEqual({
        entered: 8,
        active: 3,
        completed: 3,
        exited: 2,
        converted: 3,
        conversionPercent: 37.5,
        atStep: [
          { stepKey: 'wait_for_completion', active: 2 },
          { stepKey: 'application_nudge', active: 1 },
        ],
      });
    });

    it('is served for every journey of a list', async () => {
      const { journeys } = await itinera.graphql.query(`{ journeys(status: PUBLISHED) { nodes { name stats { entered } } } }`);
      expect(journeys.nodes).toEqual(expect.arrayContaining([{ name: 'Busy journey', stats: { entered: 8 } }]));
    });
  });

  it('serves every contract field of a journey in one query (the canvas loads it so)', async () => {
    const journey = await api().create(applicationAbandonment(webhookId, 'Whole journey'));
    const { journey: loaded } = await itinera.graphql.query(`query($id: ID!) { journey(id: $id) { ...JourneyFields stats { entered } } } ${JOURNEY_FIELDS}`, {
      id: journey.id,
    });
    expect(loaded).toMatchObject({ id: journey.id, stats: { entered: 0 } });
  });
});
