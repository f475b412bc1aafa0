import { DEFAULT_JOURNEY_LIMITS } from '../../src/journeys/journey-limits';
import { waitFor } from '../harness/wait-for';
import { applicationAbandonment, createDestination, JourneyTestApp, startJourneyTestApp } from './journey-fixtures';

describe('journey life cycle: DRAFT → PUBLISHED ⇄ PAUSED → ARCHIVED', () => {
  let itinera: JourneyTestApp;
  let webhookId: string;
  let counter = 0;

  beforeAll(async () => {
    // Room for every journey this file publishes; the limit itself is tested in journey-limits.
    itinera = await startJourneyTestApp({ journeyLimits: { ...DEFAULT_JOURNEY_LIMITS, maxPublishedPerWorkspace: 100 } });
    webhookId = await createDestination(itinera);
  });
  afterAll(() => itinera.close());

  const api = () => itinera.journeys;
  const newDraft = () => api().create(applicationAbandonment(webhookId, `Application abandonment ${++counter}`));
  const published = async () => api().lifecycle('publishJourney', (await newDraft()).id);
  const paused = async () => api().lifecycle('pauseJourney', (await published()).id);
  const archived = async () => api().lifecycle('archiveJourney', (await published()).id);
  const instancesOf = async (journeyId: string, userId: string) =>
    (await itinera.db.query('SELECT * FROM journey_instances WHERE journey_id = $1 AND user_id = $2 ORDER BY entered_at', [journeyId, userId])).rows;
  const nonEmpty = <T>(rows: T[]) => rows.length > 0 && rows;
  const applicationStarted = (userId: string, applicationId: string) => ({
    userId,
    event: 'Application_Started',
    properties: { Category: 'A', Tier: 'Premium', VIP: true, Application_id: applicationId },
  });
  /** Every event the user sent so far has been applied by the runtime. */
  const eventsApplied = (userId: string) =>
    waitFor(async () => {
      const { rows } = await itinera.db.query(
        `SELECT (SELECT max(seq) FROM events WHERE user_id = $1 AND applies) AS sent, (SELECT applied_seq FROM event_cursors WHERE user_id = $1) AS applied`,
        [userId],
      );
      return rows[0].applied !== null && rows[0].sent === rows[0].applied;
    });
  const versionsOf = async (journeyId: string) =>
    (await itinera.db.query('SELECT version, workspace_id, definition FROM journey_versions WHERE journey_id = $1 ORDER BY version', [journeyId])).rows;

  describe('publishing', () => {
    it('publishes a valid draft: PUBLISHED, publishedAt set, and the validated definition frozen as version 1', async () => {
      const draft = await newDraft();
      expect(draft).toMatchObject({ status: 'DRAFT', version: 1, publishedAt: null });

      const journey = await api().lifecycle('publishJourney', draft.id);
      expect(journey).toMatchObject({ status: 'PUBLISHED', version: 1 });
      expect(Date.parse(journey.publishedAt)).toBeGreaterThan(Date.now() - 60_000);

      const versions = await versionsOf(draft.id);
      expect(versions).toHaveLength(1);
      expect(versions[0]).toMatchObject({ version: 1, workspace_id: itinera.workspace.workspaceId });
      expect(versions[0].definition).toEqual({
        trigger: { type: 'EVENT', event: { event: 'Application_Started', filters: [] }, useHistoricalData: false },
        entry: { mode: 'REENTER_EVERY_TIME', uniqueIdentifier: 'properties.Application_id' },
        exit: [],
        startStep: 'wait_for_completion',
        steps: [
          {
            key: 'wait_for_completion',
            name: 'Wait for completion',
            type: 'HOLD_UNTIL',
            hold: {
              branches: [{ key: 'completed', match: { event: 'Application_Completed', filters: [] } }],
              updateEvents: [],
              maxDuration: 'PT2H',
              timeoutNext: 'application_nudge',
            },
          },
          expect.objectContaining({ key: 'application_nudge', type: 'SEND', send: expect.objectContaining({ destinationId: webhookId, enabled: true }) }),
        ],
      });
    });

    it('refuses to publish a journey that is not a draft, naming its status', async () => {
      const journey = await published();
      const error = await api().lifecycleError('publishJourney', journey.id);
      expect(error.extensions?.code).toBe('INVALID_STATE');
      expect(error.message).toBe('journey is PUBLISHED; only a DRAFT journey can be published');
    });
  });

  describe('pause, resume, archive', () => {
    it('pauses a published journey and resumes it', async () => {
      const journey = await published();
      expect((await api().lifecycle('pauseJourney', journey.id)).status).toBe('PAUSED');
      expect((await api().lifecycle('resumeJourney', journey.id)).status).toBe('PUBLISHED');
    });

    it('archives a published journey and a paused one', async () => {
      expect((await archived()).status).toBe('ARCHIVED');
      expect((await api().lifecycle('archiveJourney', (await paused()).id)).status).toBe('ARCHIVED');
    });

    it.each([
      ['pauseJourney', 'DRAFT', 'journey is DRAFT; only a PUBLISHED journey can be paused'],
      ['resumeJourney', 'DRAFT', 'journey is DRAFT; only a PAUSED journey can be resumed'],
      ['archiveJourney', 'DRAFT', 'journey is DRAFT; only a PUBLISHED or PAUSED journey can be archived (a draft can be deleted)'],
      ['pauseJourney', 'PAUSED', 'journey is PAUSED; only a PUBLISHED journey can be paused'],
      ['resumeJourney', 'PUBLISHED', 'journey is PUBLISHED; only a PAUSED journey can be resumed'],
      ['publishJourney', 'PAUSED', 'journey is PAUSED; only a DRAFT journey can be published'],
      ['pauseJourney', 'ARCHIVED', 'journey is ARCHIVED; only a PUBLISHED journey can be paused'],
      ['resumeJourney', 'ARCHIVED', 'journey is ARCHIVED; only a PAUSED journey can be resumed'],
      ['archiveJourney', 'ARCHIVED', 'journey is ARCHIVED; only a PUBLISHED or PAUSED journey can be archived (a draft can be deleted)'],
      ['publishJourney', 'ARCHIVED', 'journey is ARCHIVED; only a DRAFT journey can be published'],
    ] as const)('refuses %s when the journey is %s, with INVALID_STATE naming the status', async (operation, status, message) => {
      const journey = await { DRAFT: newDraft, PUBLISHED: published, PAUSED: paused, ARCHIVED: archived }[status]();
      const error = await api().lifecycleError(operation, journey.id);
      expect(error.extensions?.code).toBe('INVALID_STATE');
      expect(error.message).toBe(message);
      expect((await api().get(journey.id)).status).toBe(status);
    });

    it('ends the active instances with reason "archived" when archiving, and admits no one afterwards', async () => {
      const journey = await published();
      await itinera.ingestion.send(applicationStarted('archive-1', '1234'));
      const [instance] = await waitFor(async () => nonEmpty(await instancesOf(journey.id, 'archive-1')));
      expect(instance.status).toBe('ACTIVE');

      await api().lifecycle('archiveJourney', journey.id);
      const [ended] = await instancesOf(journey.id, 'archive-1');
      expect(ended).toMatchObject({ status: 'EXITED', exit_reason: 'archived', current_step: null });
      const types = (await itinera.db.query('SELECT type FROM activities WHERE instance_id = $1 ORDER BY id', [instance.id])).rows.map((r) => r.type);
      expect(types[types.length - 1]).toBe('EXITED');

      await itinera.ingestion.send(applicationStarted('archive-1', '5678'));
      await eventsApplied('archive-1');
      expect(await instancesOf(journey.id, 'archive-1')).toHaveLength(1);
    });

    it('admits no one while paused, lets active instances keep going, and admits again once resumed', async () => {
      const journey = await published();
      await itinera.ingestion.send(applicationStarted('pause-a', '1'));
      await waitFor(async () => nonEmpty(await instancesOf(journey.id, 'pause-a')));
      await api().lifecycle('pauseJourney', journey.id);

      await itinera.ingestion.send(applicationStarted('pause-b', '2'));
      await itinera.ingestion.send({ ...applicationStarted('pause-a', '1'), event: 'Application_Completed' });
      await eventsApplied('pause-b');
      await waitFor(async () => (await instancesOf(journey.id, 'pause-a'))[0].status === 'COMPLETED');
      expect(await instancesOf(journey.id, 'pause-b')).toEqual([]);

      await api().lifecycle('resumeJourney', journey.id);
      await itinera.ingestion.send(applicationStarted('pause-c', '3'));
      await waitFor(async () => nonEmpty(await instancesOf(journey.id, 'pause-c')));
    });
  });

  describe('deleting', () => {
    it('deletes a draft', async () => {
      const draft = await newDraft();
      expect(await itinera.graphql.query(`mutation($id: ID!) { deleteJourney(id: $id) }`, { id: draft.id })).toEqual({ deleteJourney: true });
      expect(await api().get(draft.id)).toBeNull();
    });

    it.each(['PUBLISHED', 'PAUSED', 'ARCHIVED'] as const)('refuses to delete a journey that is %s (only drafts can be deleted)', async (status) => {
      const journey = await { PUBLISHED: published, PAUSED: paused, ARCHIVED: archived }[status]();
      const error = await api().lifecycleError('deleteJourney', journey.id);
      expect(error.extensions?.code).toBe('INVALID_STATE');
      expect(error.message).toBe(`journey is ${status}; only a DRAFT journey can be deleted (archive it instead)`);
      expect((await api().get(journey.id)).status).toBe(status);
    });
  });

  describe('editing a published journey', () => {
    const nudge = (journey: any) => journey.steps.find((step: any) => step.key === 'application_nudge');

    it('accepts name and description changes, without a new version', async () => {
      const journey = await published();
      const renamed = await api().update(journey.id, { name: `${journey.name} (renamed)`, description: 'Follows one application per id.' });
      expect(renamed).toMatchObject({ name: `${journey.name} (renamed)`, description: 'Follows one application per id.', status: 'PUBLISHED', version: 1 });
      expect(await versionsOf(journey.id)).toHaveLength(1);
    });

    it('refuses a trigger change with INVALID_STATE naming the field', async () => {
      const journey = await published();
      const error = await api().updateError(journey.id, { trigger: { type: 'EVENT', event: { event: 'Application_Submitted' } } });
      expect(error.extensions?.code).toBe('INVALID_STATE');
      expect(error.message).toBe('trigger cannot change on a published journey: open a new version of it (createJourneyVersion), or duplicate it');
    });

    it.each([
      ['entry', { entry: { mode: 'ONCE' } }],
      ['exit', { exit: [{ event: 'Application_Withdrawn' }] }],
      ['goal', { goal: { match: { event: 'Application_Completed' } } }],
      ['startStep', { startStep: 'application_nudge' }],
      ['timeZone', { timeZone: 'Europe/Berlin' }],
      ['quietHours', { quietHours: { start: '21:00', end: '08:00' } }],
    ])('refuses a change of %s, naming it', async (field, patch) => {
      const journey = await published();
      const error = await api().updateError(journey.id, patch);
      expect(error.extensions?.code).toBe('INVALID_STATE');
      expect(error.message).toBe(`${field} cannot change on a published journey: open a new version of it (createJourneyVersion), or duplicate it`);
    });

    it('refuses a change inside a hold step, naming the field by its path', async () => {
      const journey = await published();
      const steps = structuredClone(journey.steps);
      steps[0].hold.maxDuration = 'PT3H';
      const error = await api().updateError(journey.id, { steps });
      expect(error.extensions?.code).toBe('INVALID_STATE');
      expect(error.message).toBe('steps[0].hold.maxDuration cannot change on a published journey: open a new version of it (createJourneyVersion), or duplicate it');
    });

    it("refuses a send step's key, name, next and type changes, and adding or removing steps", async () => {
      const journey = await published();
      const changed = (change: (steps: any[]) => void) => {
        const steps = structuredClone(journey.steps);
        change(steps);
        return api().updateError(journey.id, { steps });
      };
      expect((await changed((steps) => (steps[1].key = 'nudge'))).message).toBe(
        'steps[1].key cannot change on a published journey: open a new version of it (createJourneyVersion), or duplicate it',
      );
      expect((await changed((steps) => (steps[1].name = 'Nudge'))).message).toBe(
        'steps[1].name cannot change on a published journey: open a new version of it (createJourneyVersion), or duplicate it',
      );
      expect((await changed((steps) => (steps[1].next = 'wait_for_completion'))).message).toBe(
        'steps[1].next cannot change on a published journey: open a new version of it (createJourneyVersion), or duplicate it',
      );
      expect((await changed((steps) => Object.assign(steps[1], { type: 'END', send: null }))).message).toBe(
        'steps[1].type cannot change on a published journey: open a new version of it (createJourneyVersion), or duplicate it',
      );
      expect((await changed((steps) => steps.push({ name: 'Done', type: 'END' }))).message).toBe(
        'the list of steps cannot change on a published journey: open a new version of it (createJourneyVersion), or duplicate it',
      );
      expect((await changed((steps) => steps.pop())).message).toBe('the list of steps cannot change on a published journey: open a new version of it (createJourneyVersion), or duplicate it');
    });

    it('accepts a mapping edit: journeys.version goes to 2, version 2 is frozen beside version 1, which stays as it was', async () => {
      const journey = await published();
      const steps = structuredClone(journey.steps);
      steps[1].send.mapping = { data: { user: { '@path': '$.userId' }, application_id: { '@path': '$.entry.properties.Application_id' } } };

      const edited = await api().update(journey.id, { steps });
      expect(edited).toMatchObject({ status: 'PUBLISHED', version: 2 });
      expect(nudge(edited).send.mapping).toEqual(steps[1].send.mapping);

      const versions = await versionsOf(journey.id);
      expect(versions.map((v) => v.version)).toEqual([1, 2]);
      expect(versions[0].definition.steps[1].send.mapping).toEqual(nudge(journey).send.mapping);
      expect(versions[1].definition.steps[1].send.mapping).toEqual(steps[1].send.mapping);
    });

    it("accepts changes of a send step's destination, action, event name and enabled flag", async () => {
      const journey = await published();
      const otherWebhook = await createDestination(itinera);
      const steps = structuredClone(journey.steps);
      Object.assign(steps[1].send, { destinationId: otherWebhook, eventName: 'Application Reminder', enabled: false });

      const edited = await api().update(journey.id, { steps });
      expect(nudge(edited).send).toMatchObject({ destinationId: otherWebhook, action: 'send', eventName: 'Application Reminder', enabled: false });
      expect(edited.version).toBe(2);
    });

    it('accepts the whole journey sent back unchanged, as a canvas saves it, without a new version', async () => {
      const journey = await published();
      const { trigger, entry, exit, goal, steps, startStep, name, description } = journey;
      const same = await api().update(journey.id, { name, description, trigger, entry, exit, goal, steps, startStep });
      expect(same.version).toBe(1);
      expect(await versionsOf(journey.id)).toHaveLength(1);
    });

    it('validates an edited send step again: a mapping path that cannot exist is refused with BAD_USER_INPUT', async () => {
      const journey = await published();
      const steps = structuredClone(journey.steps);
      steps[1].send.mapping = { data: { email: { '@path': '$.trait.email' } } };
      const error = await api().updateError(journey.id, { steps });
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.extensions?.problems).toEqual([{ path: 'steps[1].send.mapping.data.email', message: expect.stringMatching(/^\$\.trait\.email: /) }]);
      expect((await api().get(journey.id)).version).toBe(1);
    });

    it('applies the same rules to a paused journey', async () => {
      const journey = await paused();
      expect((await api().updateError(journey.id, { trigger: { type: 'EVENT', event: { event: 'Application_Submitted' } } })).message).toBe(
        'trigger cannot change on a paused journey: open a new version of it (createJourneyVersion), or duplicate it',
      );
      const steps = structuredClone(journey.steps);
      steps[1].send.eventName = 'Application Nudge (paused edit)';
      expect(await api().update(journey.id, { steps })).toMatchObject({ status: 'PAUSED', version: 2 });
    });

    it('lets an archived journey change only its name and description', async () => {
      const journey = await archived();
      expect(await api().update(journey.id, { description: 'Replaced by the 2027 journey' })).toMatchObject({ description: 'Replaced by the 2027 journey' });
      const steps = structuredClone(journey.steps);
      steps[1].send.eventName = 'Too late';
      const error = await api().updateError(journey.id, { steps });
      expect(error.extensions?.code).toBe('INVALID_STATE');
      expect(error.message).toBe('steps[1].send.eventName cannot change on an archived journey: duplicate it to make a new draft');
    });
  });
});
