import { MAX_ACTIVITY_PAGE } from '../../src/activity/activity.service';
import { MAX_QUERY_COMPLEXITY, MAX_QUERY_DEPTH } from '../../src/common/graphql-limits';
import { MAX_INSTANCE_PAGE } from '../../src/instances/journey-instance.service';
import { startTestApp, TestApp } from '../harness/test-app';

const ACTIVITY = `query ($first: Int, $after: String) { activity(filter: {}, first: $first, after: $after) { nodes { id } pageInfo { endCursor } } }`;
const INSTANCES = `query ($first: Int, $after: String) {
  journeyInstances(journeyId: "00000000-0000-4000-8000-000000000000", first: $first, after: $after) { nodes { id } totalCount }
}`;

const cursorOf = (parts: unknown[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');

/** SPEC 9: bounded pages, query depth and complexity, and cursors that cannot reach PostgreSQL malformed. */
describe('guard rails of the observability API', () => {
  let itinera: TestApp;

  beforeAll(async () => {
    itinera = await startTestApp();
  });
  afterAll(() => itinera.close());

  describe('page sizes', () => {
    it.each([0, -1, MAX_ACTIVITY_PAGE + 1])('refuses activity(first: %i) with BAD_USER_INPUT naming the bound', async (first) => {
      const error = await itinera.graphql.error(ACTIVITY, { first });
      expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', problems: [{ path: 'first', message: `must be between 1 and ${MAX_ACTIVITY_PAGE}` }] });
    });

    it.each([0, MAX_INSTANCE_PAGE + 1])('refuses journeyInstances(first: %i) with BAD_USER_INPUT naming the bound', async (first) => {
      const error = await itinera.graphql.error(INSTANCES, { first });
      expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', problems: [{ path: 'first', message: `must be between 1 and ${MAX_INSTANCE_PAGE}` }] });
    });

    it('accepts the largest pages, and the contract defaults when first is left out or null', async () => {
      for (const first of [MAX_ACTIVITY_PAGE, undefined, null]) expect((await itinera.graphql.request(ACTIVITY, { first })).errors).toBeUndefined();
      for (const first of [MAX_INSTANCE_PAGE, undefined, null]) expect((await itinera.graphql.request(INSTANCES, { first })).errors).toBeUndefined();
    });
  });

  describe('cursors', () => {
    it.each([
      ['not base64 JSON', 'garbage!'],
      ['a cursor of another list', cursorOf(['2025-03-01T10:00:00.000Z', '00000000-0000-4000-8000-000000000000'])],
      ['an id that is not a number', cursorOf(['1 OR 1=1'])],
    ])('refuses activity(after: %s) with BAD_USER_INPUT', async (_, after) => {
      const error = await itinera.graphql.error(ACTIVITY, { after });
      expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', problems: [{ path: 'after', message: 'not a cursor returned by this API' }] });
    });

    it.each([
      ['not base64 JSON', 'garbage!'],
      ['a time that is not a time', cursorOf(['yesterday', '00000000-0000-4000-8000-000000000000'])],
      ['an id that is not a uuid', cursorOf(['2025-03-01T10:00:00.000Z', 'instance-88'])],
    ])('refuses journeyInstances(after: %s) with BAD_USER_INPUT', async (_, after) => {
      const error = await itinera.graphql.error(INSTANCES, { after });
      expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', problems: [{ path: 'after', message: 'not a cursor returned by this API' }] });
    });
  });

  describe('query depth and complexity', () => {
    it('accepts the deepest query the schema allows, a profile’s journeys down to their conditions’ filter values', async () => {
      const result = await itinera.graphql.request(`{
        profile(userId: "88") { journeys { journey { steps { multiBranch { branches { condition { performed { filters { values } } } } } } } } }
      }`);
      expect(result.errors).toBeUndefined();
    });

    it(`refuses a document nested deeper than ${MAX_QUERY_DEPTH} levels with LIMIT_EXCEEDED, before resolving anything`, async () => {
      // The admin schema has no cycles, so only a malformed or hostile document can be this deep; it is
      // refused for its depth whatever else is wrong with it.
      const deep = `{ profile(userId: "88") ${'{ journeys '.repeat(MAX_QUERY_DEPTH)}{ timesEntered }${' }'.repeat(MAX_QUERY_DEPTH)} }`;
      const result = await itinera.graphql.request(deep);
      expect(result.data).toBeUndefined();
      expect(result.errors?.find((e) => e.extensions?.code === 'LIMIT_EXCEEDED')?.message).toBe(
        `query is ${MAX_QUERY_DEPTH + 2} levels deep; at most ${MAX_QUERY_DEPTH} are allowed`,
      );
    });

    it('refuses an introspection query that nests fields within fields to blow up the response', async () => {
      const result = await itinera.graphql.request(`{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }`);
      expect(result.data).toBeUndefined();
      expect(result.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });

    it(`refuses a query asking for more than ${MAX_QUERY_COMPLEXITY} objects with LIMIT_EXCEEDED, each page counted at its size`, async () => {
      const page = `activity(filter: {}, first: ${MAX_ACTIVITY_PAGE}) { nodes { id at type journeyId instanceId userId stepKey detail } }`;
      expect((await itinera.graphql.request(`{ ${page} }`)).errors).toBeUndefined();
      const aliased = Array.from({ length: 8 }, (_, i) => `page${i}: ${page}`).join('\n');
      const error = await itinera.graphql.error(`{ ${aliased} }`);
      expect(error.extensions?.code).toBe('LIMIT_EXCEEDED');
      expect(error.message).toMatch(new RegExp(`^query is too complex \\(\\d+, at most ${MAX_QUERY_COMPLEXITY}\\)`));
    });

    it('counts a page of instances at its size times what each instance asks for', async () => {
      const timelines = `journeyInstances(journeyId: "00000000-0000-4000-8000-000000000000", first: ${MAX_INSTANCE_PAGE}) {
        nodes { id context timeline { id at type stepKey detail } }
      }`;
      expect((await itinera.graphql.request(`{ ${timelines} }`)).errors).toBeUndefined();
      const error = await itinera.graphql.error(`{ ${Array.from({ length: 20 }, (_, i) => `p${i}: ${timelines}`).join('\n')} }`);
      expect(error.extensions?.code).toBe('LIMIT_EXCEEDED');
    });
  });
});
