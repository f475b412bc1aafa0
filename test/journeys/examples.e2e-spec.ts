import { DEFAULT_JOURNEY_LIMITS } from '../../src/journeys/journey-limits';
import { loadExample } from '../harness/journeys';
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

  it('holds the eleven examples listed in examples/README.md', () => {
    expect(exampleFiles).toHaveLength(11);
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
});
