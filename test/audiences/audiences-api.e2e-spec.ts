import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildClientSchema, buildSchema, findBreakingChanges, getIntrospectionQuery, IntrospectionQuery } from 'graphql';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { AudiencesApi, eventsApplied, isMember, loadAudienceExample } from './audience-fixtures';

describe('audiences: createAudience and audiences', () => {
  let itinera: TestApp;
  let audiences: AudiencesApi;

  beforeAll(async () => {
    itinera = await startTestApp();
    audiences = new AudiencesApi(itinera.graphql);
  });
  afterAll(() => itinera.close());

  it('serves the Audience, AudienceInput, audiences and createAudience of the contract', async () => {
    const contract = buildSchema(readFileSync(path.join(__dirname, '..', 'fixtures', 'contract.graphql'), 'utf8'));
    const served = buildClientSchema(await itinera.graphql.query<IntrospectionQuery>(getIntrospectionQuery()));
    const audienceChanges = findBreakingChanges(contract, served).filter((change) => /Audience|audiences/.test(change.description));
    expect(audienceChanges.map((change) => change.description)).toEqual([]);
  });

  it('creates the cart abandoners of seed 003 and lists them with their condition and size', async () => {
    const { audience } = loadAudienceExample('01-cart-abandonment.json', {});
    const created = await audiences.create(audience!);
    expect(created).toEqual({
      id: expect.any(String),
      name: 'Cart abandoners',
      size: 0,
      filledAt: null,
      condition: {
        match: 'ALL',
        filters: [],
        performed: [
          { event: 'Product Added', filters: [], atLeast: 1, atMost: null, within: 'P1D' },
          { event: 'Order Completed', filters: [], atLeast: null, atMost: 0, within: 'P1D' },
        ],
      },
    });
    const filled = await audiences.waitUntilFilled(created.id);
    expect(filled).toEqual({ ...created, filledAt: expect.any(String) });
  });

  it('refuses an invalid audience with every problem and its path', async () => {
    const error = await audiences.createError({
      name: 'Seattle shoppers',
      condition: {
        filters: [{ path: 'properties.city', operator: 'EQUALS', values: ['Seattle'] }],
        performed: [{ event: '', atLeast: 2, atMost: 1, within: 'one day' }],
      },
    });
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.problems?.map((p) => p.path)).toEqual([
      'condition.filters[0].path',
      'condition.performed[0].event',
      'condition.performed[0].atLeast',
      'condition.performed[0].within',
    ]);
  });

  it('refuses a second audience of the same name in the workspace, but not in another workspace', async () => {
    const input = { name: 'Trial users', condition: { filters: [{ path: 'traits.plan', operator: 'EQUALS', values: ['trial'] }] } };
    await audiences.create(input);
    expect((await audiences.createError(input)).extensions?.code).toBe('CONFLICT');
    const other = await itinera.createWorkspace('other shop');
    await expect(new AudiencesApi(other.graphql).create(input)).resolves.toMatchObject({ name: 'Trial users' });
    expect((await new AudiencesApi(other.graphql).list()).map((a) => a.name)).toEqual(['Trial users']);
  });

  it('fills a new audience with the profiles that already qualify, in the background', async () => {
    for (const [userId, city] of [
      ['atl-1', 'Atlanta'],
      ['sea-1', 'Seattle'],
      ['bos-1', 'Boston'],
    ]) {
      expect((await itinera.ingestion.identify({ userId, traits: { city, birth_year: 1990 } })).status).toBe(200);
    }
    await Promise.all(['atl-1', 'sea-1', 'bos-1'].map((userId) => eventsApplied(itinera, userId)));
    const { audience } = loadAudienceExample('06-segment-reactions.json', {});
    const created = await audiences.create(audience!);
    expect(created.size).toBe(0);
    await audiences.waitForSize(created.id, 2);
    expect(await isMember(itinera, created.id, 'atl-1')).toBe(true);
    expect(await isMember(itinera, created.id, 'bos-1')).toBe(false);
  });

  it('keeps membership current as identify calls change traits: Boston to Seattle enters, Seattle to Boston exits', async () => {
    const segment = (await audiences.list()).find((a) => a.name.startsWith('Atlanta'))!;
    await itinera.ingestion.identify({ userId: 'bos-1', traits: { city: 'Seattle' } });
    await itinera.ingestion.identify({ userId: 'sea-1', traits: { city: 'Boston' } });
    await waitFor(async () => (await isMember(itinera, segment.id, 'bos-1')) && !(await isMember(itinera, segment.id, 'sea-1')));
    expect(await audiences.size(segment.id)).toBe(2);
  });

  it('admits a new profile on its first contact into an audience that needs no event, and lets it go on its first order', async () => {
    const { id } = await audiences.create({ name: 'Never ordered', condition: { performed: [{ event: 'Order Completed', atMost: 0 }] } });
    await audiences.waitUntilFilled(id);
    await itinera.ingestion.identify({ userId: 'newcomer-1', traits: { email: 'newcomer@example.com' } });
    await waitFor(() => isMember(itinera, id, 'newcomer-1'), { what: 'newcomer-1 to join on first contact' });
    await itinera.ingestion.send({ userId: 'newcomer-1', event: 'Order Completed', properties: { order_id: 'o-1', total: 10 } });
    await waitFor(async () => !(await isMember(itinera, id, 'newcomer-1')), { what: 'newcomer-1 to leave on ordering' });
  });

  it('lets journeys name only audiences of their own workspace', async () => {
    const [own] = await audiences.list();
    const other = await itinera.createWorkspace('third shop');
    const [foreign] = await new AudiencesApi(other.graphql).list().then(async (list) =>
      list.length ? list : [await new AudiencesApi(other.graphql).create({ name: 'VIP', condition: { filters: [{ path: 'traits.vip', operator: 'EXISTS' }] } })],
    );
    const journey = (audienceId: string) => ({
      name: 'Audience journey',
      trigger: { type: 'AUDIENCE', audienceId },
      steps: [{ key: 'done', name: 'Done', type: 'END' }],
    });
    const problems = async (audienceId: string) =>
      (await itinera.graphql.query(`query($input: JourneyInput!) { validateJourney(input: $input) { path message } }`, { input: journey(audienceId) }))
        .validateJourney;
    expect(await problems(own.id)).toEqual([]);
    expect(await problems(foreign.id)).toEqual([{ path: 'trigger.audienceId', message: `unknown audience "${foreign.id}"` }]);
  });
});
