import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { MAX_ACTIVITY_PAGE } from '../../src/activity/activity.service';
import { MAX_ALIASES, MAX_QUERY_DEPTH } from '../../src/common/graphql-limits';
import { startTestApp, type TestApp } from '../harness/test-app';

interface Answer {
  status?: number;
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const profiles = (count: number) => `{ ${Array.from({ length: count }, (_, i) => `p${i}: profile(userId: "88") { userId }`).join(' ')} }`;
const activityPages = (count: number) =>
  `{ ${Array.from({ length: count }, (_, i) => `page${i}: activity(filter: {}, first: ${MAX_ACTIVITY_PAGE}) { nodes { id at type journeyId instanceId userId stepKey detail } }`).join(' ')} }`;
const deep = `{ profile(userId: "88") ${'{ journeys '.repeat(MAX_QUERY_DEPTH)}{ timesEntered }${' }'.repeat(MAX_QUERY_DEPTH)} }`;
/** Each journey's stats are queries of their own: 16 pages of 100 cost 16 × 100 database-backed fields. */
const journeyStats = (aliases: number) => `{ ${Array.from({ length: aliases }, (_, i) => `j${i}: journeys(first: 100) { nodes { id name stats { entered active } } }`).join(' ')} }`;

/**
 * Issue 14: the admin API's limits hold for every document, over HTTP and over graphql-ws alike:
 * document size, aliases, depth and cost (database-backed fields counted as such), with errors in
 * GraphQL's form and never an HTTP 500.
 */
describe('GraphQL limits on every transport', () => {
  let itinera: TestApp;
  let socket: Client;

  beforeAll(async () => {
    itinera = await startTestApp();
    socket = createClient({
      url: `${itinera.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${itinera.workspace.adminToken}` },
      retryAttempts: 0,
    });
  });
  afterAll(async () => {
    await socket.dispose();
    await itinera.close();
  });

  const overHttp = async (query: string): Promise<Answer> => {
    const response = await fetch(`${itinera.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${itinera.workspace.adminToken}` },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, ...((await response.json()) as Answer) };
  };
  const overSocket = (query: string): Promise<Answer> =>
    new Promise((resolve) => {
      let answer: Answer = {};
      socket.subscribe(
        { query },
        {
          next: (result) => (answer = result as Answer),
          error: (errors) => resolve({ errors: errors as Answer['errors'] }),
          complete: () => resolve(answer),
        },
      );
    });
  const codes = (answer: Answer) => answer.errors?.map((e) => e.extensions?.code);

  describe.each([
    ['HTTP', overHttp],
    ['graphql-ws', overSocket],
  ])('over %s', (transport, send) => {
    it(`refuses more than ${MAX_ALIASES} aliases of profile with LIMIT_EXCEEDED, before any lookup`, async () => {
      const answer = await send(profiles(MAX_ALIASES + 1));
      expect(answer.data ?? undefined).toBeUndefined();
      expect(answer.errors).toEqual([expect.objectContaining({ message: `query has ${MAX_ALIASES + 1} aliases; at most ${MAX_ALIASES} are allowed`, extensions: { code: 'LIMIT_EXCEEDED' } })]);
      if (transport === 'HTTP') expect(answer.status).toBe(400);
    });

    it('refuses 4,999 and 5,001 aliases (over 20,000 tokens) as a GraphQL error, never an HTTP 500', async () => {
      for (const count of [4_999, 5_001]) {
        const answer = await send(profiles(count));
        if (transport === 'HTTP') {
          expect(answer.status).toBe(400);
          expect(codes(answer)).toEqual(['GRAPHQL_PARSE_FAILED']);
          expect(answer.errors?.[0].message).toMatch(/Document contains more tha. 20000 tokens/);
        } else {
          // Over 100,000 characters: refused before parsing.
          expect(codes(answer)).toEqual(['LIMIT_EXCEEDED']);
        }
      }
    });

    it(`refuses a document nested deeper than ${MAX_QUERY_DEPTH} levels with LIMIT_EXCEEDED`, async () => {
      const answer = await send(deep);
      expect(answer.errors?.find((e) => e.extensions?.code === 'LIMIT_EXCEEDED')?.message).toBe(`query is ${MAX_QUERY_DEPTH + 2} levels deep; at most ${MAX_QUERY_DEPTH} are allowed`);
    });

    it('refuses a query over the cost limit, and counts database-backed fields (journey stats) as such', async () => {
      expect(codes(await send(activityPages(8)))).toEqual(['LIMIT_EXCEEDED']);
      // 16 × 100 journeys' stats: 1,600 stats queries, cheap when each field counted 1.
      const stats = await send(journeyStats(16));
      expect(codes(stats)).toEqual(['LIMIT_EXCEEDED']);
      expect(stats.errors?.[0].message).toMatch(/^query is too complex \(24160, at most 20000\)/);
      expect((await send(journeyStats(4))).errors).toBeUndefined();
    });

    it('answers resolver errors with their code, and valid queries with their data', async () => {
      const missing = await send(`{ previewPayload(journeyId: "00000000-0000-4000-8000-000000000000", stepKey: "x") }`);
      expect(missing.errors).toEqual([expect.objectContaining({ extensions: { code: 'NOT_FOUND' } })]);
      expect(await send(`{ destinations { id } }`)).toMatchObject({ data: { destinations: [] } });
    });
  });

  it('answers 8 documents of 20,000 aliases on one socket at once without holding up others', async () => {
    const started = Date.now();
    const answers = await Promise.all([...Array.from({ length: 8 }, () => overSocket(profiles(20_000))), fetch(`${itinera.url}/health/ready`)]);
    expect(answers.slice(0, 8).map((answer) => codes(answer as Answer))).toEqual(Array(8).fill(['LIMIT_EXCEEDED']));
    expect((answers[8] as Response).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
