import { publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { AUDIENCE_FIELDS, AudiencesApi, eventsApplied, isMember } from './audience-fixtures';

/** Issue 18: previewAudience before saving, updateAudience and deleteAudience with stated effects, Profile.events. */
describe('audiences: preview, update, delete; profile events', () => {
  let itinera: TestApp;
  let audiences: AudiencesApi;

  // Seed 003's shoppers: two in Seattle (one of them a big spender), one in Portland.
  const shoppers = [
    { userId: 'ann', traits: { city: 'Seattle', ltv: 900 } },
    { userId: 'bob', traits: { city: 'Seattle', ltv: 20 } },
    { userId: 'cyd', traits: { city: 'Portland', ltv: 500 } },
  ];
  const seattle = { filters: [{ path: 'traits.city', operator: 'EQUALS', values: ['Seattle'] }] };
  const preview = (condition: unknown) =>
    itinera.graphql.query(`query ($c: ConditionInput!) { previewAudience(condition: $c) { count exact evaluatedProfiles totalProfiles sample { userId traits } } }`, {
      c: condition as Record<string, unknown>,
    });

  beforeAll(async () => {
    itinera = await startTestApp();
    audiences = new AudiencesApi(itinera.graphql);
    for (const { userId, traits } of shoppers) expect((await itinera.ingestion.identify({ userId, traits })).status).toBe(200);
    for (const { userId } of shoppers) {
      await itinera.ingestion.send({ userId, event: 'Product Added', properties: { sku: `s-${userId}` } });
      await eventsApplied(itinera, userId);
    }
    await itinera.ingestion.send({ userId: 'ann', event: 'Order Completed', properties: { total: 90 } });
    await eventsApplied(itinera, 'ann');
  });
  afterAll(() => itinera.close());

  it('previews the profiles a condition admits now, with a sample, storing nothing', async () => {
    const { previewAudience } = await preview(seattle);
    expect(previewAudience).toEqual({
      count: 2,
      exact: true,
      evaluatedProfiles: 3,
      totalProfiles: 3,
      sample: [
        { userId: 'ann', traits: { city: 'Seattle', ltv: 900 } },
        { userId: 'bob', traits: { city: 'Seattle', ltv: 20 } },
      ],
    });
    // Performed clauses count stored events: cart abandoners added a product and did not order.
    const abandoners = await preview({ performed: [{ event: 'Product Added', atLeast: 1 }, { event: 'Order Completed', atMost: 0 }] });
    expect(abandoners.previewAudience.sample.map((p: { userId: string }) => p.userId)).toEqual(['bob', 'cyd']);
    expect((await itinera.db.query('SELECT count(*)::int AS n FROM audiences')).rows[0].n).toBe(0);
  });

  it('refuses a preview of an invalid condition with every problem', async () => {
    const error = await itinera.graphql.error(`query ($c: ConditionInput!) { previewAudience(condition: $c) { count } }`, {
      c: { filters: [{ path: 'properties.city', operator: 'EQUALS', values: ['x'] }], performed: [{ event: '', atLeast: 1 }] },
    });
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.problems?.map((p) => p.path)).toEqual(['condition.filters[0].path', 'condition.performed[0].event']);
  });

  it('renames at any time; a new condition re-decides every membership in the background', async () => {
    const created = await audiences.create({ name: 'Seattle', condition: seattle });
    await audiences.waitForSize(created.id, 2);
    const update = (input: unknown) =>
      itinera.graphql.query(`mutation ($id: ID!, $input: AudienceInput!) { updateAudience(id: $id, input: $input) { ${AUDIENCE_FIELDS} } }`, {
        id: created.id,
        input: input as Record<string, unknown>,
      });
    const renamed = (await update({ name: 'Seattle shoppers', condition: seattle })).updateAudience;
    expect(renamed).toMatchObject({ name: 'Seattle shoppers', size: 2, filledAt: expect.any(String) });

    const bigSpenders = { filters: [{ path: 'traits.ltv', operator: 'GT', values: [100] }] };
    const changed = (await update({ name: 'Big spenders', condition: bigSpenders })).updateAudience;
    expect(changed.filledAt).toBeNull();
    await audiences.waitUntilFilled(created.id);
    await audiences.waitForSize(created.id, 2);
    expect([await isMember(itinera, created.id, 'ann'), await isMember(itinera, created.id, 'bob'), await isMember(itinera, created.id, 'cyd')]).toEqual([true, false, true]);
  });

  it('refuses a new condition or a delete while a published journey uses the audience, and allows both once it is archived', async () => {
    const created = await audiences.create({ name: 'Portland', condition: { filters: [{ path: 'traits.city', operator: 'EQUALS', values: ['Portland'] }] } });
    await audiences.waitUntilFilled(created.id);
    const journey = await publishJourney(itinera.graphql, {
      name: 'Portland welcome',
      trigger: { type: 'AUDIENCE', audienceId: created.id },
      steps: [{ key: 'wait', name: 'Wait', type: 'WAIT', wait: { duration: 'PT1H' } }],
    });
    const changeError = await itinera.graphql.error(`mutation ($id: ID!, $input: AudienceInput!) { updateAudience(id: $id, input: $input) { id } }`, {
      id: created.id,
      input: { name: 'Portland', condition: seattle },
    });
    expect(changeError.extensions?.code).toBe('CONFLICT');
    expect(changeError.message).toContain('"Portland welcome" (published)');
    const deleteError = await itinera.graphql.error(`mutation ($id: ID!) { deleteAudience(id: $id) }`, { id: created.id });
    expect(deleteError.extensions?.code).toBe('CONFLICT');
    // A rename changes nothing for the journey's users.
    const renamed = await itinera.graphql.query(`mutation ($id: ID!, $input: AudienceInput!) { updateAudience(id: $id, input: $input) { name } }`, {
      id: created.id,
      input: { name: 'Portlanders', condition: { filters: [{ path: 'traits.city', operator: 'EQUALS', values: ['Portland'] }] } },
    });
    expect(renamed.updateAudience.name).toBe('Portlanders');

    await itinera.graphql.query(`mutation ($id: ID!) { archiveJourney(id: $id) { status } }`, { id: journey.id });
    expect(await itinera.graphql.query(`mutation ($id: ID!) { deleteAudience(id: $id) }`, { id: created.id })).toEqual({ deleteAudience: true });
    expect((await audiences.list()).map((a) => a.id)).not.toContain(created.id);
    expect((await itinera.db.query('SELECT count(*)::int AS n FROM audience_memberships WHERE audience_id = $1', [created.id])).rows[0].n).toBe(0);
    const missing = await itinera.graphql.error(`mutation ($id: ID!) { deleteAudience(id: $id) }`, { id: created.id });
    expect(missing.extensions?.code).toBe('NOT_FOUND');
  });

  it("lists a profile's events newest first, a page at a time, optionally of one event name", async () => {
    const query = `query ($after: String, $event: String) { profile(userId: "ann") { events(first: 2, after: $after, event: $event) { nodes { type event properties } pageInfo { hasNextPage endCursor } } } }`;
    const first = (await itinera.graphql.query(query, {})).profile.events;
    expect(first.nodes.map((e: { event: string | null; type: string }) => e.event ?? e.type)).toEqual(['Order Completed', 'Product Added']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await itinera.graphql.query(query, { after: first.pageInfo.endCursor })).profile.events;
    expect(second.nodes).toEqual([{ type: 'identify', event: null, properties: {} }]);
    expect(second.pageInfo).toEqual({ hasNextPage: false, endCursor: expect.any(String) });
    const orders = (await itinera.graphql.query(query, { event: 'Order Completed' })).profile.events;
    expect(orders.nodes).toEqual([{ type: 'track', event: 'Order Completed', properties: { total: 90 } }]);
    const bad = await itinera.graphql.error(query, { after: 'nope' });
    expect(bad.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
