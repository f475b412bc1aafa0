import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { createWebhookDestination, loadExample } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { reliabilitySize } from './reliability-sizes';

const RUNS = reliabilitySize('PROPERTY_RUNS', 60);

/** The error codes SPEC 9 lists, plus GraphQL's own for documents and variables that do not fit the schema. */
const CLEAR_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'LIMIT_EXCEEDED', 'INVALID_STATE', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']);

// Strings PostgreSQL or JSON make special: NUL, lone surrogates, right-to-left marks, astral characters, quotes.
const awkwardText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\uD800', '\uDC00', '\uDBFF\uDFFF', 'é', '😀', '\u202E', '"', '\\', '\n', ' '), maxLength: 12 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\uD800', 'x\uDFFF', '😀'.slice(0, 1), 'null', '__proto__', 'constructor', '$.userId', '{{traits.x}}'),
);
const hugeText = fc.integer({ min: 1_000, max: 600_000 }).map((n) => 'x'.repeat(n));
/** Nesting deeper than any real payload (as deep as this process can still stringify). */
const deepValue = fc.tuple(fc.integer({ min: 50, max: 2_000 }), fc.boolean()).map(([depth, arrays]) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { a: value };
  return value;
});
const awkwardValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 3, arbitrary: awkwardText },
  { weight: 1, arbitrary: fc.dictionary(awkwardText, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) },
  { weight: 1, arbitrary: hugeText },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER + 2, 0.1, true, null, [], {}) },
);

/** A message whose fields are each absent, plausible or awkward. */
const messageLike = fc.record(
  {
    type: fc.oneof(fc.constantFrom('track', 'identify', 'page', 'alias', 'TRACK'), awkwardValue),
    userId: fc.oneof(fc.constantFrom('88', 'user-1'), fc.integer(), awkwardValue),
    anonymousId: awkwardValue,
    event: fc.oneof(fc.constantFrom('Application_Started', 'Order_Confirmation'), awkwardValue),
    messageId: fc.oneof(fc.uuid(), awkwardValue),
    timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), awkwardValue),
    properties: fc.oneof(fc.dictionary(awkwardText, awkwardValue, { maxKeys: 4 }), awkwardValue),
    traits: fc.oneof(fc.dictionary(awkwardText, awkwardValue, { maxKeys: 4 }), awkwardValue),
    context: fc.oneof(fc.dictionary(awkwardText, awkwardValue, { maxKeys: 3 }), awkwardValue),
    name: awkwardValue,
  },
  { requiredKeys: [] },
);

describe('bad input never gets a 5xx nor changes stored data', () => {
  let itinera: TestApp;

  // Role api: no worker runs, so only the request under test can change what is stored.
  beforeAll(async () => {
    itinera = await startTestApp({ config: { role: 'api' } });
  });
  afterAll(() => itinera.close());

  const stored = async () =>
    (
      await itinera.db.query(
        `SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM message_ids)::int AS message_ids,
                (SELECT count(*) FROM profiles)::int AS profiles, (SELECT md5(coalesce(string_agg(user_id || traits::text, ',' ORDER BY user_id), '')) FROM profiles) AS traits,
                (SELECT count(*) FROM pgboss.job)::int AS jobs, (SELECT count(*) FROM journeys)::int AS journeys,
                (SELECT md5(coalesce(string_agg(id || name || draft::text, ',' ORDER BY id), '')) FROM journeys) AS drafts,
                (SELECT count(*) FROM journey_versions)::int AS versions, (SELECT count(*) FROM destinations)::int AS destinations`,
      )
    ).rows[0];

  const post = async (path: string, body: string, contentType = 'application/json') => {
    const response = await fetch(`${itinera.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...itinera.ingestion.authHeaders() },
      body,
    });
    const text = await response.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text };
  };

  /** Sends `body`; a refusal must be a 4xx listing its problems and must leave every table as it was. */
  const checkIngestion = async (path: string, body: string, contentType?: string) => {
    const before = await stored();
    const answer = await post(path, body, contentType);
    if (answer.status >= 500) throw new Error(`${path} answered ${answer.status} ${answer.text.slice(0, 300)} to ${body.slice(0, 300)}`);
    if (answer.status !== 200) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(Array.isArray(answer.json?.errors) && answer.json.errors.length > 0).toBe(true);
      expect(await stored()).toEqual(before);
    }
    return answer;
  };

  describe('the ingestion API', () => {
    const endpoint = fc.constantFrom('/v1/track', '/v1/identify', '/v1/page');

    it('answers any JSON body with 200 or a 4xx listing the problems', async () => {
      // Also JSON text nested far deeper than any JSON.stringify can produce (up to 100,000 levels).
      const deepText = fc.tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom('properties', 'context', 'userId')).map(
        ([depth, field]) => `{"userId":"u","event":"E","${field}":${'['.repeat(depth)}${']'.repeat(depth)}}`,
      );
      const body = fc.oneof(fc.oneof(fc.jsonValue({ maxDepth: 3 }), messageLike, awkwardValue).map((value) => JSON.stringify(value) ?? 'null'), deepText);
      await fc.assert(
        fc.asyncProperty(endpoint, body, async (path, text) => {
          await checkIngestion(path, text);
        }),
        { numRuns: RUNS },
      );
    });

    it('answers any batch with 200 or a 4xx, and stores none of a refused batch', async () => {
      const batch = fc.oneof(fc.array(messageLike, { maxLength: 8 }), awkwardValue);
      await fc.assert(
        fc.asyncProperty(batch, fc.boolean(), async (items, wrapped) => {
          await checkIngestion('/v1/batch', JSON.stringify(wrapped ? { batch: items } : items) ?? 'null');
        }),
        { numRuns: RUNS },
      );
    });

    it('answers bodies that are not JSON at all with 4xx', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('/v1/track', '/v1/batch'), fc.oneof(awkwardText, fc.string({ maxLength: 200 })), fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'), async (path, body, type) => {
          const answer = await checkIngestion(path, body, type);
          if (answer.status === 200) expect(() => JSON.parse(body)).not.toThrow();
        }),
        { numRuns: RUNS },
      );
    });

    it('stores an accepted message’s awkward properties exactly as sent', async () => {
      await fc.assert(
        fc.asyncProperty(fc.dictionary(awkwardText, fc.oneof(fc.jsonValue({ maxDepth: 3 }), awkwardText), { maxKeys: 5 }), async (properties) => {
          // A new id per run: fast-check replays values while shrinking, and a repeated id is deduplicated.
          const messageId = randomUUID();
          const answer = await checkIngestion('/v1/track', JSON.stringify({ userId: 'awkward', event: 'Order_Confirmation', messageId, properties }));
          if (answer.status !== 200) return;
          const rows = (await itinera.db.query('SELECT properties FROM events WHERE message_id = $1', [messageId])).rows;
          expect(rows).toHaveLength(1);
          expect(rows[0].properties).toEqual(JSON.parse(JSON.stringify(properties)));
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe('journey inputs over GraphQL', () => {
    let valid: Record<string, unknown>;

    beforeAll(async () => {
      const webhook = await createWebhookDestination(itinera.graphql, 'http://127.0.0.1:9/never-called');
      valid = loadExample('02-application-abandonment.json', { destinationId: webhook });
    });

    const graphql = async (query: string, variables: unknown) => {
      const response = await fetch(`${itinera.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${itinera.workspace.adminToken}` },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } };
    };

    /** Every error carries a clear code; a refused createJourney stores nothing. */
    const checkJourneyInput = async (input: unknown) => {
      for (const [field, query] of [
        ['validateJourney', 'query ($input: JourneyInput!) { validateJourney(input: $input) { path message } }'],
        ['createJourney', 'mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }'],
      ] as const) {
        const before = await stored();
        const answer = await graphql(query, { input });
        if (answer.status >= 500) throw new Error(`${field} answered HTTP ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
        const unclear = (answer.body.errors ?? []).filter((e) => !CLEAR_CODES.has(e.extensions?.code ?? ''));
        if (unclear.length) throw new Error(`${field} answered ${JSON.stringify(unclear).slice(0, 500)} to ${JSON.stringify(input).slice(0, 500)}`);
        if (field === 'createJourney' && !answer.body.data?.createJourney) expect(await stored()).toEqual(before);
        if (field === 'createJourney' && answer.body.data?.createJourney) {
          const deleted = await graphql('mutation ($id: ID!) { deleteJourney(id: $id) }', { id: answer.body.data.createJourney.id });
          expect(deleted.body.data?.deleteJourney).toBe(true);
        }
      }
    };

    it('answers random JSON as a journey input with clear errors', async () => {
      await fc.assert(fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 4 }), awkwardValue), checkJourneyInput), { numRuns: RUNS });
    });

    it('answers a valid journey with one part replaced by something awkward with clear errors, or accepts it', async () => {
      const paths = (value: unknown, prefix: (string | number)[] = []): (string | number)[][] =>
        value && typeof value === 'object'
          ? [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, Array.isArray(value) ? Number(k) : k]))]
          : [prefix];
      const allPaths = paths(valid).filter((p) => p.length > 0);
      const mutated = fc.tuple(fc.constantFrom(...allPaths), awkwardValue, fc.boolean()).map(([path, replacement, remove]) => {
        const copy = structuredClone(valid) as any;
        let parent = copy;
        for (const key of path.slice(0, -1)) parent = parent[key];
        if (remove) delete parent[path[path.length - 1]];
        else parent[path[path.length - 1]] = replacement;
        // A unique name, so only the awkward part can make it fail.
        if (path[0] !== 'name' && typeof copy.name === 'string') copy.name = `${copy.name.slice(0, 40)} ${Math.random().toString(36).slice(2, 10)}`;
        return copy;
      });
      await fc.assert(fc.asyncProperty(mutated, checkJourneyInput), { numRuns: RUNS * 2 });
    });
  });
});
