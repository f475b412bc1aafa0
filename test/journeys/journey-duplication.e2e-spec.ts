import { loadExample } from '../harness/journeys';
import { createAudience, createDestination, JourneyTestApp, startJourneyTestApp } from './journey-fixtures';

/** Seed 001, "Duplicate a journey": what gets copied, what does not, and the disabled-action rule. */
describe('duplicateJourney', () => {
  let itinera: JourneyTestApp;
  let webhookId: string;
  let audienceId: string;
  let original: any;
  let copy: any;

  const api = () => itinera.journeys;
  const SEND_KEYS = ['initial_email_reminder', 'second_text_reminder', 'final_push_notification'];

  /** Seed 004's abandoned cart (email → hold → text → wait → push), with an audience filter, a unique id and a disabled text. */
  const abandonedCart = (name: string) => {
    const input = loadExample('08-abandoned-cart-goal-exit.json', { destinationId: webhookId, name });
    input.trigger.audienceFilterId = audienceId;
    input.entry = { mode: 'REENTER_EVERY_TIME', uniqueIdentifier: 'properties.cart_ID' };
    input.startStep = 'initial_email_reminder';
    input.steps[2].send.enabled = false;
    return input;
  };

  beforeAll(async () => {
    itinera = await startJourneyTestApp();
    webhookId = await createDestination(itinera);
    audienceId = await createAudience(itinera);
    original = await api().lifecycle('publishJourney', (await api().create(abandonedCart('Abandoned cart reminders'))).id);
    copy = await api().duplicate(original.id, 'Abandoned cart reminders (copy)');
  });
  afterAll(() => itinera.close());

  describe('copies', () => {
    it('the entry conditions: trigger event, its property filters and audience filter, and the entry rules', () => {
      expect(copy.trigger).toEqual(original.trigger);
      expect(copy.trigger).toMatchObject({
        event: { event: 'Abandoned cart', filters: [{ path: 'properties.total', operator: 'GT', values: [50] }] },
        audienceFilterId: audienceId,
      });
      expect(copy.entry).toEqual({ mode: 'REENTER_EVERY_TIME', uniqueIdentifier: 'properties.cart_ID' });
    });

    it('the exit and the goal', () => {
      expect(copy.exit).toEqual([{ event: 'Purchase completed', filters: [] }]);
      expect(copy.goal).toEqual({ match: { event: 'Purchase completed', filters: [] }, targetPercent: 50 });
    });

    it('all steps and their structure: order, types, names, holds, waits, and the keys of steps that send nothing', () => {
      // The original's steps with the send keys renamed as in the copy, and the sends enabled: nothing else differs.
      const renamed = new Map(SEND_KEYS.map((key) => [key, copy.steps.find((step: any) => step.name === original.steps.find((s: any) => s.key === key).name).key]));
      const expected = JSON.parse(JSON.stringify(original.steps), (field, value) => (typeof value === 'string' && renamed.has(value) ? renamed.get(value) : value));
      for (const step of expected) if (step.send) step.send.enabled = true;
      expect(copy.steps).toEqual(expected);
      expect(copy.steps.map((step: any) => step.key)).toEqual(expect.arrayContaining(['email_opened_check', 'wait_one_day']));
      expect(copy.steps[1].hold).toMatchObject({ maxDuration: 'P1D', branches: [{ key: 'opened', match: { event: 'Email opened' } }] });
    });

    it("each destination action: destination, action, event name and the mapping with its trait and context enrichment", () => {
      const sendsOf = (journey: any) => journey.steps.filter((step: any) => step.type === 'SEND').map((step: any) => ({ ...step.send, enabled: undefined }));
      expect(sendsOf(copy)).toEqual(sendsOf(original));
      expect(copy.steps[0].send).toMatchObject({
        destinationId: webhookId,
        action: 'send',
        eventName: 'Initial email reminder',
        mapping: { data: { to: { '@path': '$.traits.email' }, cart_total: { '@path': '$.entry.properties.total' } } },
      });
    });

    it('the description', () => {
      expect(copy.description).toBe(original.description);
    });
  });

  describe('does not copy', () => {
    it('the name: the copy takes the new one given', () => {
      expect(copy.name).toBe('Abandoned cart reminders (copy)');
    });

    it('a name already used in the workspace (CONFLICT), nor an empty one (BAD_USER_INPUT)', async () => {
      const taken = await itinera.graphql.error(`mutation($id: ID!) { duplicateJourney(id: $id, name: "Abandoned cart reminders") { id } }`, { id: original.id });
      expect(taken.extensions?.code).toBe('CONFLICT');
      expect(taken.message).toBe('a journey named "Abandoned cart reminders" already exists in this workspace');
      const empty = await itinera.graphql.error(`mutation($id: ID!) { duplicateJourney(id: $id, name: "") { id } }`, { id: original.id });
      expect(empty.extensions).toEqual({ code: 'BAD_USER_INPUT', problems: [{ path: 'name', message: 'journey needs a name' }] });
    });

    it('the send steps’ keys: each gets a new one from its name, and every reference to it follows', () => {
      const sends = copy.steps.filter((step: any) => step.type === 'SEND');
      sends.forEach((step: any, i: number) => {
        expect(step.key).not.toBe(SEND_KEYS[i]);
        expect(step.key).toMatch(new RegExp(`^${SEND_KEYS[i]}_[a-z0-9]{6}$`));
      });
      expect(copy.startStep).toBe(sends[0].key);
      expect(copy.steps[0].next).toBe('email_opened_check');
      expect(copy.steps[1].hold.timeoutNext).toBe(sends[1].key);
      expect(copy.steps[2].next).toBe('wait_one_day');
      expect(copy.steps[3].next).toBe(sends[2].key);
    });

    it('a disabled send step’s flag: it is enabled in the copy', () => {
      expect(original.steps[2].send.enabled).toBe(false);
      expect(copy.steps.filter((step: any) => step.type === 'SEND').map((step: any) => step.send.enabled)).toEqual([true, true, true]);
    });

    it('the status, version, publication or instances: the copy is a fresh DRAFT that remembers its source', async () => {
      expect(copy).toMatchObject({ status: 'DRAFT', version: 1, publishedAt: null, duplicatedFromId: original.id });
      expect(copy.id).not.toBe(original.id);
      const { journey } = await itinera.graphql.query(`query($id: ID!) { journey(id: $id) { stats { entered } } }`, { id: copy.id });
      expect(journey.stats.entered).toBe(0);
    });
  });

  it('leaves the original as it was', async () => {
    expect(await api().get(original.id)).toEqual(original);
  });

  it('makes a copy that publishes as it is, beside the original', async () => {
    const published = await api().lifecycle('publishJourney', copy.id);
    expect(published.status).toBe('PUBLISHED');
    const { rows } = await itinera.db.query('SELECT definition FROM journey_versions WHERE journey_id = $1', [copy.id]);
    expect(rows[0].definition.startStep).toBe(copy.startStep);
  });

  it('duplicates a draft too, unfinished parts included', async () => {
    const draft = await api().create({
      name: 'Unfinished funnel',
      trigger: { type: 'EVENT', event: { event: 'Website_Viewed' } },
      steps: [
        { key: 'await_account', name: 'Await account', type: 'HOLD_UNTIL', hold: { branches: [], maxDuration: 'P1D', timeoutNext: 'account_reminder' } },
        { key: 'account_reminder', name: 'Account reminder', type: 'SEND', send: { destinationId: webhookId, action: 'send', mapping: {}, enabled: false } },
      ],
    });
    const duplicate = await api().duplicate(draft.id, 'Unfinished funnel (copy)');
    expect(duplicate).toMatchObject({ status: 'DRAFT', duplicatedFromId: draft.id });
    expect(duplicate.steps[1].key).toMatch(/^account_reminder_[a-z0-9]{6}$/);
    expect(duplicate.steps[0].hold).toMatchObject({ branches: [], timeoutNext: duplicate.steps[1].key });
    expect(duplicate.steps[1].send.enabled).toBe(true);
  });

  it('answers NOT_FOUND for a journey of another workspace, since copies stay within one', async () => {
    const other = await itinera.createWorkspace('other space');
    const error = await other.graphql.error(`mutation($id: ID!) { duplicateJourney(id: $id, name: "Elsewhere") { id } }`, { id: original.id });
    expect(error.extensions?.code).toBe('NOT_FOUND');
  });
});
