import { PermanentError, actionFor, defineDestination, defineSettings, type PerformInput } from './index';
import { allowLoopbackDestinations, runAction, runDelivery, sampleJourneyContext, startRecordingServer, type RecordingServer } from './testing';

const settings = defineSettings({
  prefix: { type: 'string', required: true },
  level: { type: 'string', choices: ['info', 'warn'], default: 'info' },
});
const performed: PerformInput[] = [];
const write = actionFor(settings)({
  title: 'Write a line',
  fields: { line: { type: 'string', required: true, default: { '@template': '{{userId}} entered {{journey.name}}' } } },
  async perform(input) {
    performed.push(input);
    return { status: 200, response: `${input.settings.prefix} ${input.payload.line}` };
  },
});
const logDestination = defineDestination({ name: 'log', kitVersion: '^2.0.0', displayName: 'Log', settings, actions: { write } });

describe('runAction', () => {
  beforeEach(() => {
    performed.length = 0;
  });

  it('builds the payload from the sample context and the fields’ default mappings, then performs', async () => {
    await expect(runAction(logDestination, 'write', { settings: { prefix: '>' } })).resolves.toEqual({
      status: 200,
      response: '> 88 entered Application nudge',
    });
  });

  it('hands perform the settings with defaults and ids taken from the context', async () => {
    await runAction(logDestination, 'write', { settings: { prefix: '>' }, stepKey: 'log_entry_a1b2c3', eventName: 'Entered' });

    expect(performed[0]).toMatchObject({
      payload: { line: '88 entered Application nudge' },
      settings: { prefix: '>', level: 'info' },
      stepKey: 'log_entry_a1b2c3',
      eventName: 'Entered',
      journeyId: sampleJourneyContext.journey.id,
      instanceId: sampleJourneyContext.instance.id,
      userId: '88',
      idempotencyKey: `${sampleJourneyContext.instance.id}:log_entry_a1b2c3:1`,
    });
    expect(performed[0].signal.aborted).toBe(false);
  });

  it('evaluates the given mapping against the given context', async () => {
    const context = { ...sampleJourneyContext, userId: '99', traits: { first_name: 'Grace' } };
    await runAction(logDestination, 'write', { settings: { prefix: '>' }, mapping: { line: { '@template': 'Hi {{traits.first_name}}' } }, context });
    expect(performed[0]).toMatchObject({ payload: { line: 'Hi Grace' }, userId: '99' });
  });

  it('throws a PermanentError listing every settings problem', async () => {
    const error = await runAction(logDestination, 'write', { settings: { level: 'debug' } }).catch((e) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe('invalid settings: settings.prefix is required; settings.level must be one of "info", "warn", got "debug"');
    expect(performed).toHaveLength(0);
  });

  it('throws a PermanentError listing every payload problem, without performing', async () => {
    const error = await runAction(logDestination, 'write', { settings: { prefix: '>' }, mapping: { line: 42, extra: true } }).catch((e) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe('invalid payload for log.write: line must be a string, got 42; extra is not a field of this action (fields: line)');
    expect(performed).toHaveLength(0);
  });

  it('throws a PermanentError naming the actions when the action does not exist', async () => {
    await expect(runAction(logDestination, 'send', { settings: { prefix: '>' } })).rejects.toThrow(
      new PermanentError('log has no action "send" (actions: write)'),
    );
  });
});

describe('runDelivery: an action through the pipeline of a real delivery', () => {
  let server: RecordingServer;
  beforeAll(allowLoopbackDestinations);
  beforeEach(async () => {
    server = await startRecordingServer();
    calls = 0;
  });
  afterEach(() => server.close());

  let calls = 0;
  const crmSettings = defineSettings({ url: { type: 'string', format: 'uri', required: true }, apiKey: { type: 'string', secret: true, required: true } });
  const crm = defineDestination({
    name: 'crm',
    kitVersion: '^2.0.0',
    displayName: 'CRM',
    settings: crmSettings,
    actions: {
      upsert: actionFor(crmSettings)({
        title: 'Upsert contact',
        fields: { email: { type: 'string', format: 'email', required: true, default: { '@path': '$.traits.email' } }, plan: { type: 'string', choices: ['free', 'pro'] } },
        async perform({ payload, settings, request }) {
          calls++;
          // A plugin that ignores its signal and never settles.
          if (payload.plan === 'free') return new Promise<never>(() => undefined);
          const response = await request(`${settings.url}/contacts`, { method: 'PUT', json: payload, headers: { 'x-api-key': settings.apiKey } });
          return { status: response.status, response: response.body };
        },
      }),
    },
  });
  const run = (overrides: Partial<Parameters<typeof runDelivery>[2]> = {}) =>
    runDelivery(crm, 'upsert', { settings: { url: server.url, apiKey: 'crm_key_7f3a9b' }, ...overrides });

  it('maps the payload with the fields’ defaults, performs with the request client and reports it delivered', async () => {
    server.replyWith({ status: 201, body: { id: 'c_1' } });
    await expect(run({ mapping: { plan: 'pro' } })).resolves.toEqual({ result: 'delivered', status: 201, response: { id: 'c_1' }, payload: { email: 'ada@example.com', plan: 'pro' } });
    expect(server.requests[0]).toMatchObject({ method: 'PUT', path: '/contacts', json: { email: 'ada@example.com', plan: 'pro' } });
  });

  it('classifies failures as a delivery would: Retry-After carried, 4xx permanent, secrets redacted', async () => {
    server.replyWith({ status: 503, headers: { 'retry-after': '9' } });
    await expect(run()).resolves.toMatchObject({ result: 'retryable', status: 503, retryAfterMs: 9000 });
    server.replyWith((req) => ({ status: 403, body: `key ${req.headers['x-api-key']} revoked` }));
    await expect(run()).resolves.toMatchObject({ result: 'permanent', status: 403, error: `${new URL(server.url).host} answered HTTP 403: key [redacted] revoked` });
  });

  it('fails a payload that does not fit the fields permanently, without performing', async () => {
    await expect(run({ mapping: { email: 'nobody', plan: 'gold' } })).resolves.toEqual({
      result: 'permanent',
      status: null,
      error: 'invalid payload for crm.upsert: email must be an e-mail address, got "nobody"; plan must be one of "free", "pro", got "gold"',
      payload: null,
    });
    expect(calls).toBe(0);
  });

  it('abandons an attempt at its deadline as retryable', async () => {
    await expect(run({ mapping: { plan: 'free' }, deadlineMs: 100 })).resolves.toMatchObject({ result: 'retryable', error: 'the destination did not finish within 100 ms' });
  });
});
