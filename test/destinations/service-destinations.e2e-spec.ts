import { publishJourney } from '../harness/journeys';
import { startTestApp, type TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { SLACK_BOT_TOKEN, startFakeSlack, type FakeSlack } from '../../plugins/slack/slack-api.fixture';
import { startFakeTwilio, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM, type FakeTwilio } from '../../plugins/twilio/twilio-api.fixture';
import { LIST_SERVICE_PATH, LIST_SERVICE_TOKEN, startFakeListService, type FakeListService } from '../../plugins/list-sync/list-service.fixture';

const createDestination = `mutation ($input: DestinationInput!) { createDestination(input: $input) { id } }`;
const pluginsQuery = `{ destinationPlugins { name actions { name } } }`;

/**
 * Journeys sending through the service plugins with the real runtime: ingestion, the journey engine, the
 * delivery queue and its retries, each plugin talking to a local server that answers as the service does.
 */
describe('service destinations (Slack, Twilio, list sync) in running journeys', () => {
  let itinera: TestApp;
  let slack: FakeSlack;
  let twilio: FakeTwilio;
  let lists: FakeListService;
  const destinations: Record<string, string> = {};

  beforeAll(async () => {
    itinera = await startTestApp({ config: { deliveryRetry: { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 1000 } } });
    [slack, twilio, lists] = await Promise.all([startFakeSlack(), startFakeTwilio(), startFakeListService()]);
    const create = async (name: string, plugin: string, settings: Record<string, unknown>) => {
      const { createDestination: created } = await itinera.graphql.query(createDestination, { input: { name, plugin, settings } });
      destinations[name] = created.id;
    };
    await create('growth channel', 'slack', { botToken: SLACK_BOT_TOKEN, apiUrl: `${slack.url}/api` });
    await create('sms', 'twilio', { accountSid: TWILIO_ACCOUNT_SID, authToken: TWILIO_AUTH_TOKEN, from: TWILIO_FROM, apiUrl: twilio.url });
    await create('lists', 'list-sync', { endpointUrl: `${lists.url}${LIST_SERVICE_PATH}`, headers: { Authorization: `Bearer ${LIST_SERVICE_TOKEN}` } });
  });
  afterAll(async () => {
    await Promise.all([slack?.close(), twilio?.close(), lists?.close()]);
    await itinera?.close();
  });

  const deliveriesOf = async (journeyId: string) =>
    (await itinera.db.query(`SELECT step_key, status, attempts, last_error, response FROM deliveries WHERE journey_id = $1 ORDER BY step_key`, [journeyId])).rows;

  it('lists the new plugins with their actions', async () => {
    const { destinationPlugins } = await itinera.graphql.query(pluginsQuery);
    const actions = Object.fromEntries(destinationPlugins.map((p: { name: string; actions: { name: string }[] }) => [p.name, p.actions.map((a) => a.name)]));
    expect(actions).toMatchObject({
      slack: ['sendWebhookMessage', 'postMessage'],
      sendgrid: ['sendEmail'],
      twilio: ['sendSms'],
      'http-request': ['sendRequest'],
      'list-sync': ['syncMembership'],
    });
  });

  it('sends an SMS, adds the user to the step’s list and posts to Slack, each mapped with the new directives', async () => {
    const journey = await publishJourney(itinera.graphql, {
      name: 'Application follow-up through services',
      trigger: { type: 'EVENT', event: { event: 'Application_Started' } },
      entry: { mode: 'REENTER_EVERY_TIME' },
      steps: [
        {
          key: 'sms_nudge',
          name: 'SMS nudge',
          type: 'SEND',
          next: 'nudged_list',
          send: {
            destinationId: destinations.sms,
            action: 'sendSms',
            mapping: {
              to: { '@replace': { pattern: ' ', value: { '@path': '$.traits.phone' } } },
              body: { '@template': 'Hi {{traits.first_name | default: "there"}}, application {{entry.properties.Application_id}} is waiting.' },
            },
          },
        },
        {
          key: 'nudged_list',
          name: 'Nudged list',
          type: 'SEND',
          next: 'tell_growth',
          send: { destinationId: destinations.lists, action: 'syncMembership', mapping: { traits: { tier: { '@case': { operator: 'lower', value: { '@path': '$.entry.properties.Tier' } } } } } },
        },
        {
          key: 'tell_growth',
          name: 'Tell growth',
          type: 'SEND',
          send: {
            destinationId: destinations['growth channel'],
            action: 'postMessage',
            mapping: {
              channel: 'C0GROWTH',
              text: { '@if': { exists: { '@path': '$.traits.first_name' }, then: { '@template': '{{traits.first_name}} was nudged' }, else: { '@template': 'User {{userId}} was nudged' } } },
            },
          },
        },
      ],
    });
    await itinera.ingestion.identify({ userId: 'ada', traits: { first_name: 'Ada', phone: '+33 612 345 678' } });
    await itinera.ingestion.send({ userId: 'ada', event: 'Application_Started', properties: { Application_id: 'A-1', Tier: 'Premium' } });
    await itinera.ingestion.send({ userId: 'grace', event: 'Application_Started', properties: { Application_id: 'G-7', Tier: 'Basic' } });

    // Grace has no phone: her SMS fails permanently at mapping (to is required) and her journey goes on.
    const settled = await waitFor(async () => {
      const rows = await deliveriesOf(journey.id);
      return rows.length === 6 && rows.every((row) => row.status === 'DELIVERED' || row.status === 'FAILED') ? rows : undefined;
    }, { what: 'six deliveries to settle' });
    expect(settled.filter((row) => row.status === 'DELIVERED')).toHaveLength(5);
    expect(settled.find((row) => row.status === 'FAILED')).toMatchObject({ step_key: 'sms_nudge', last_error: expect.stringMatching(/to is required/) });

    expect(twilio.requests).toHaveLength(1);
    expect(twilio.formOf(twilio.requests[0])).toEqual({ To: '+33612345678', From: TWILIO_FROM, Body: 'Hi Ada, application A-1 is waiting.' });
    expect(lists.lists.get('nudged_list')).toEqual(new Set(['ada', 'grace']));
    expect(lists.requests.flatMap((r) => (r.json as { add: { traits: unknown }[] }).add.map((m) => m.traits))).toEqual(expect.arrayContaining([{ tier: 'premium' }, { tier: 'basic' }]));
    expect(slack.requests.map((r) => (r.json as { text: string }).text).sort()).toEqual(['Ada was nudged', 'User grace was nudged']);
  });

  it('retries a rate-limited Slack post after its Retry-After, then delivers it', async () => {
    const journey = await publishJourney(itinera.graphql, {
      name: 'Slack under a rate limit',
      trigger: { type: 'EVENT', event: { event: 'Trial_Started' } },
      entry: { mode: 'REENTER_EVERY_TIME' },
      steps: [{ key: 'announce', name: 'Announce', type: 'SEND', send: { destinationId: destinations['growth channel'], action: 'postMessage', mapping: { channel: 'C0GROWTH', text: 'trial started' } } }],
    });
    const before = slack.requests.length;
    slack.rateLimit(1, 1);
    await itinera.ingestion.send({ userId: 'linus', event: 'Trial_Started' });
    const delivery = await waitFor(async () => (await deliveriesOf(journey.id)).find((row) => row.status === 'DELIVERED'), { what: 'the Slack post to be delivered' });
    expect(delivery).toMatchObject({ attempts: 2, response: { channel: 'C0GROWTH', ts: expect.any(String) } });
    const attempts = slack.requests.slice(before);
    expect(attempts).toHaveLength(2);
    // Retry-After: 1 asked for a second at least between the two attempts.
    expect(attempts[1].receivedAt - attempts[0].receivedAt).toBeGreaterThanOrEqual(950);
  });

  it('fails a chat.postMessage answered { ok: false, error: "invalid_auth" } permanently, after one attempt', async () => {
    const { createDestination: wrong } = await itinera.graphql.query(createDestination, { input: { name: 'wrong token', plugin: 'slack', settings: { botToken: 'xoxb-revoked', apiUrl: `${slack.url}/api` } } });
    const journey = await publishJourney(itinera.graphql, {
      name: 'Slack with a revoked token',
      trigger: { type: 'EVENT', event: { event: 'Trial_Ended' } },
      entry: { mode: 'REENTER_EVERY_TIME' },
      steps: [{ key: 'announce', name: 'Announce', type: 'SEND', send: { destinationId: wrong.id, action: 'postMessage', mapping: { channel: 'C0GROWTH', text: 'trial ended' } } }],
    });
    await itinera.ingestion.send({ userId: 'linus', event: 'Trial_Ended' });
    const delivery = await waitFor(async () => (await deliveriesOf(journey.id)).find((row) => row.status === 'FAILED'), { what: 'the Slack post to fail' });
    expect(delivery).toMatchObject({ attempts: 1, last_error: 'Slack chat.postMessage failed: invalid_auth' });
  });
});
