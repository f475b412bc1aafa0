import { DEFAULT_JOURNEY_LIMITS } from '../../src/journeys/journey-limits';
import { instancesOf, loadExample } from '../harness/journeys';
import { waitFor } from '../harness/wait-for';
import { startTestApp, TestApp } from '../harness/test-app';
import { createDestination, exampleFiles, JourneysApi } from './journey-fixtures';

describe('examples/: every example journey is created and published as it is', () => {
  let itinera: TestApp;
  let journeys: JourneysApi;
  let webhookId: string;

  beforeAll(async () => {
    // Eight examples, one workspace: more than the default five published journeys.
    itinera = await startTestApp({ config: { journeyLimits: { ...DEFAULT_JOURNEY_LIMITS, maxPublishedPerWorkspace: 20 } } });
    journeys = new JourneysApi(itinera.graphql);
    webhookId = await createDestination(itinera, 'webhook');
  });
  afterAll(() => itinera.close());

  it('holds the thirteen examples listed in examples/README.md', () => {
    expect(exampleFiles).toHaveLength(13);
  });

  it.each(exampleFiles)('%s validates, publishes, and freezes its definition with the example’s own step keys', async (file) => {
    const input = loadExample(file, { destinationId: webhookId });
    expect(await journeys.validate(input)).toEqual([]);

    const draft = await journeys.create(input);
    expect(draft.steps.map((step: any) => step.key)).toEqual(input.steps.map((step: any) => step.key));
    const published = await journeys.lifecycle('publishJourney', draft.id);
    expect(published).toMatchObject({ status: 'PUBLISHED', version: 1, name: input.name });

    const { rows } = await itinera.db.query('SELECT definition FROM journey_versions WHERE journey_id = $1 AND version = 1', [draft.id]);
    expect(rows[0].definition.steps.map((step: any) => step.key)).toEqual(input.steps.map((step: any) => step.key));
    expect(rows[0].definition.startStep).toBe(input.startStep ?? input.steps[0].key);
  });

  it('versions/02-application-abandonment-v2.json publishes as version 2 of 02, and a waiting application moves to it with its due time', async () => {
    const durations = { PT2H: 'PT3S', P1D: 'PT1M' };
    const v1 = await journeys.lifecycle('publishJourney', (await journeys.create(loadExample('02-application-abandonment.json', { destinationId: webhookId, durations, name: 'Versioned application abandonment' }))).id);
    expect((await itinera.ingestion.batch([{ type: 'track', userId: 'applicant', event: 'Application_Started', properties: { Application_id: 'a-1' } }])).status).toBe(200);
    const waiting = await waitFor(async () => (await instancesOf(itinera.db, v1.id, 'applicant'))[0] as any, { what: 'an application waiting' });

    await itinera.graphql.query(`mutation($id: ID!) { createJourneyVersion(id: $id) { id } }`, { id: v1.id });
    await journeys.update(v1.id, loadExample('versions/02-application-abandonment-v2.json', { destinationId: webhookId, durations }));
    const { publishJourneyVersion } = await itinera.graphql.query(
      `mutation($id: ID!) { publishJourneyVersion(id: $id, migration: MOVE_BY_STEP_KEY) { version steps { key } versions { version changes { summary } } } }`,
      { id: v1.id },
    );
    expect(publishJourneyVersion.steps.map((step: any) => step.key)).toEqual(['wait_for_completion', 'application_nudge', 'wait_after_nudge', 'last_nudge']);
    expect(publishJourneyVersion.versions[0]).toEqual({
      version: 2,
      changes: { summary: 'Added steps wait_after_nudge, last_nudge, changed step application_nudge and changed the goal.' },
    });
    const moved = await waitFor(async () => {
      const [row] = (await instancesOf(itinera.db, v1.id, 'applicant')) as any[];
      return row.journey_version === 2 && row;
    }, { what: 'the application on version 2' });
    expect(moved.waiting_until.getTime()).toBe(waiting.waiting_until.getTime());
    // Its hold times out when version 1 said, and version 2's nudge leads to the new hold.
    await waitFor(async () => ((await instancesOf(itinera.db, v1.id, 'applicant'))[0] as any).current_step === 'wait_after_nudge', { what: 'the new hold after the nudge' });
    const { rows } = await itinera.db.query('SELECT step_key, idempotency_key FROM deliveries WHERE instance_id = $1', [moved.id]);
    expect(rows).toEqual([{ step_key: 'application_nudge', idempotency_key: `${moved.id}:application_nudge:1` }]);
  });
});
