import type { JourneyInputShape, StepInputShape } from '../../src/journeys/journey-validation';
import { applicationAbandonment, createDestination, JourneysApi, JourneyTestApp, startJourneyTestApp } from './journey-fixtures';

/** The reference product's limits (SPEC 3.1): 20 counted steps, 73-character names, 5 published journeys per workspace. */
describe('journey limits', () => {
  let itinera: JourneyTestApp;
  let webhookId: string;

  beforeAll(async () => {
    itinera = await startJourneyTestApp();
    webhookId = await createDestination(itinera);
  });
  afterAll(() => itinera.close());

  const api = () => itinera.journeys;

  /** `count` one-hour waits in a row, then an END: count + 1 counted steps. */
  const waits = (name: string, count: number): JourneyInputShape => ({
    name,
    trigger: { type: 'EVENT', event: { event: 'Trial_Started' } },
    steps: [
      ...Array.from({ length: count }, (_, i): StepInputShape => ({ key: `wait_${i + 1}`, name: `Wait ${i + 1}`, type: 'WAIT', wait: { duration: 'PT1H' }, next: i + 1 < count ? `wait_${i + 2}` : 'done' })),
      { key: 'done', name: 'Done', type: 'END' },
    ],
  });

  describe('20 counted steps per journey', () => {
    it('refuses to publish a journey of 21 steps, and validateJourney says why', async () => {
      const input = waits('Twenty-one steps', 20);
      const expected = [{ path: 'steps', message: 'journey has 21 counted steps (a MULTI_BRANCH counts its branches); the limit is 20' }];
      expect(await api().validate(input)).toEqual(expected);

      const draft = await api().create(input);
      const error = await api().lifecycleError('publishJourney', draft.id);
      expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', problems: expected });
    });

    it('publishes a journey of exactly 20 steps', async () => {
      const draft = await api().create(waits('Twenty steps', 19));
      expect((await api().lifecycle('publishJourney', draft.id)).status).toBe('PUBLISHED');
      await api().lifecycle('archiveJourney', draft.id);
    });

    it('counts each branch of a MULTI_BRANCH: 18 steps and a three-branch step make 21', async () => {
      const input = waits('Branchy', 17);
      const multiBranch = {
        key: 'by_tier',
        name: 'By tier',
        type: 'MULTI_BRANCH' as const,
        multiBranch: {
          branches: ['Gold', 'Silver', 'Bronze'].map((tier) => ({
            key: tier.toLowerCase(),
            condition: { filters: [{ path: 'traits.tier', operator: 'EQUALS' as const, values: [tier] }] },
            next: 'done',
          })),
          elseNext: 'done',
        },
      };
      const steps = [...input.steps];
      steps.splice(steps.length - 1, 0, multiBranch);
      (steps[steps.length - 3] as { next?: string }).next = 'by_tier';
      expect(await api().validate({ ...input, steps })).toEqual([
        { path: 'steps', message: 'journey has 21 counted steps (a MULTI_BRANCH counts its branches); the limit is 20' },
      ]);
    });
  });

  describe('names of 1 to 73 characters', () => {
    const name74 = 'Application abandonment nudge for premium applicants in the EU, version 2';

    it('refuses a 74-character name on create, update and duplicate, with BAD_USER_INPUT', async () => {
      expect([...name74 + '!'].length).toBe(74);
      const problem = { path: 'name', message: 'journey name is 74 characters long; the limit is 73' };

      const onCreate = await api().createError(applicationAbandonment(webhookId, `${name74}!`));
      expect(onCreate.extensions).toEqual({ code: 'BAD_USER_INPUT', problems: [problem] });

      const journey = await api().create(applicationAbandonment(webhookId, name74));
      expect(journey.name).toBe(name74);
      expect((await api().updateError(journey.id, { name: `${name74}!` })).extensions).toEqual({ code: 'BAD_USER_INPUT', problems: [problem] });
      const onDuplicate = await itinera.graphql.error(`mutation($id: ID!, $name: String!) { duplicateJourney(id: $id, name: $name) { id } }`, {
        id: journey.id,
        name: `${name74}!`,
      });
      expect(onDuplicate.extensions).toEqual({ code: 'BAD_USER_INPUT', problems: [problem] });
    });

    it('counts characters as people do, so 73 emoji are a valid name', async () => {
      const journey = await api().create(applicationAbandonment(webhookId, '🛒'.repeat(73)));
      expect([...journey.name].length).toBe(73);
    });
  });

  describe('5 published journeys per workspace', () => {
    it('refuses the sixth with LIMIT_EXCEEDED, counting paused ones, and makes room when one is archived', async () => {
      const shop = await itinera.createWorkspace('five journeys');
      const shopApi = new JourneysApi(shop.graphql);
      const shopWebhook = await createDestination(itinera, 'webhook', shop.graphql);
      const ids: string[] = [];
      for (let i = 1; i <= 6; i++) ids.push((await shopApi.create(applicationAbandonment(shopWebhook, `Journey ${i}`))).id);
      for (const id of ids.slice(0, 5)) await shopApi.lifecycle('publishJourney', id);
      await shopApi.lifecycle('pauseJourney', ids[4]);

      const error = await shopApi.lifecycleError('publishJourney', ids[5]);
      expect(error.extensions?.code).toBe('LIMIT_EXCEEDED');
      expect(error.message).toBe('the workspace already has 5 published journeys; the limit is 5. Archive one before publishing another.');
      expect((await shopApi.get(ids[5])).status).toBe('DRAFT');

      // Another workspace has its own five.
      const elsewhere = await api().create(applicationAbandonment(webhookId, 'Not counted with the shop'));
      expect((await api().lifecycle('publishJourney', elsewhere.id)).status).toBe('PUBLISHED');

      await shopApi.lifecycle('archiveJourney', ids[4]);
      expect((await shopApi.lifecycle('publishJourney', ids[5])).status).toBe('PUBLISHED');
    });

    it('lets only five of ten concurrent publishes through', async () => {
      const rush = await itinera.createWorkspace('rush');
      const rushApi = new JourneysApi(rush.graphql);
      const rushWebhook = await createDestination(itinera, 'webhook', rush.graphql);
      const ids: string[] = [];
      for (let i = 1; i <= 10; i++) ids.push((await rushApi.create(applicationAbandonment(rushWebhook, `Rush ${i}`))).id);

      const results = await Promise.all(ids.map((id) => rush.graphql.request(`mutation($id: ID!) { publishJourney(id: $id) { status } }`, { id })));
      const codes = results.map((result) => result.errors?.[0]?.extensions?.code ?? result.data?.publishJourney.status);
      expect(codes.filter((code) => code === 'PUBLISHED')).toHaveLength(5);
      expect(codes.filter((code) => code === 'LIMIT_EXCEEDED')).toHaveLength(5);
    });
  });
});
