import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../harness/test-app';
import { applicationStartedContext, destinationId, updateDestination } from './send-step';

const previewPayload = `query ($journeyId: ID!, $stepKey: String!, $context: JSON) { previewPayload(journeyId: $journeyId, stepKey: $stepKey, context: $context) }`;

/** The application-abandonment journey of seed 000: hold for completion, then nudge through the webhook. */
function applicationNudgeSteps(destination: string, mapping: unknown) {
  return [
    {
      key: 'wait_for_completion',
      name: 'Wait for completion',
      type: 'HOLD_UNTIL',
      hold: { branches: [{ key: 'completed', match: { event: 'Application_Completed', filters: [] } }], updateEvents: [], maxDuration: 'PT2H', timeoutNext: 'application_nudge' },
    },
    { key: 'application_nudge', name: 'Application nudge', type: 'SEND', send: { destinationId: destination, action: 'send', eventName: 'Application Nudge', mapping, enabled: true } },
  ];
}

describe('previewPayload', () => {
  let itinera: TestApp;
  let webhook: string;

  beforeAll(async () => {
    itinera = await startTestApp();
    webhook = await destinationId(itinera, { name: 'Nudge webhook', plugin: 'webhook', settings: { url: 'https://hooks.example.com/itinera', secret: 'whsec_preview' } });
  });
  afterAll(() => itinera.close());

  /** Stored as the journeys module stores them; published versions are frozen in journey_versions. */
  async function insertJourney(steps: unknown[], published?: { version: number; versions: Record<number, unknown[]> }): Promise<string> {
    const draft = {
      trigger: { type: 'EVENT', event: { event: 'Application_Started', filters: [] }, useHistoricalData: false },
      entry: { mode: 'REENTER_EVERY_TIME', uniqueIdentifier: 'properties.Application_id' },
      exit: [],
      steps,
    };
    const { rows } = await itinera.db.query(
      `INSERT INTO journeys (workspace_id, name, status, version, draft) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [itinera.workspace.workspaceId, `Application nudge ${randomUUID().slice(0, 8)}`, published ? 'PUBLISHED' : 'DRAFT', published?.version ?? 1, draft],
    );
    for (const [version, versionSteps] of Object.entries(published?.versions ?? {})) {
      await itinera.db.query(`INSERT INTO journey_versions (journey_id, version, workspace_id, definition) VALUES ($1, $2, $3, $4)`, [
        rows[0].id,
        Number(version),
        itinera.workspace.workspaceId,
        { ...draft, steps: versionSteps, startStep: 'wait_for_completion' },
      ]);
    }
    return rows[0].id;
  }

  it('evaluates each directive against the given context: @path, @template, literals, arrays and nested objects', async () => {
    const journeyId = await insertJourney(
      applicationNudgeSteps(webhook, {
        data: {
          user: { '@path': '$.userId' },
          application_id: { '@path': '$.entry.properties.Application_id' },
          entry: { '@path': '$.entry.properties' },
          first_tag: { '@path': '$.traits.tags[0]' },
          favourite: { '@path': '$.traits["favourite color"]' },
          completed_with: { '@path': '$.events.wait_for_completion.properties.Application_id' },
          greeting: { '@template': 'Hi {{traits.first_name}}, application {{entry.properties.Application_id}} is waiting.' },
          coupon_line: { '@template': 'Coupon: {{traits.coupon}}' },
          coupon: { '@path': '$.traits.coupon' },
          list: ['static', { '@path': '$.traits.coupon' }, { '@path': '$.userId' }],
          campaign: 'application-nudge',
          vip: true,
          priority: 3,
          note: null,
        },
      }),
    );
    const context = {
      ...applicationStartedContext(journeyId, randomUUID()),
      traits: { first_name: 'Grace', tags: ['vip', 'beta'], 'favourite color': 'green' },
      events: { wait_for_completion: { event: 'Application_Completed', properties: { Application_id: '1234' }, timestamp: '2025-03-01T11:00:00.000Z' } },
    };

    const { previewPayload: payload } = await itinera.graphql.query(previewPayload, { journeyId, stepKey: 'application_nudge', context });
    expect(payload).toEqual({
      data: {
        user: '88',
        application_id: '1234',
        entry: { Category: 'A', Tier: 'Premium', VIP: true, Application_id: '1234', scenario: 'Trigger campaign with Application Started' },
        first_tag: 'vip',
        favourite: 'green',
        completed_with: '1234',
        greeting: 'Hi Grace, application 1234 is waiting.',
        // A path that finds nothing renders '' in a template, and leaves its key (or array element) out elsewhere.
        coupon_line: 'Coupon: ',
        list: ['static', '88'],
        campaign: 'application-nudge',
        vip: true,
        priority: 3,
        note: null,
      },
    });
  });

  it("fills fields the mapping leaves out with the action's default mapping, from a built-in sample when no context is given", async () => {
    const journeyId = await insertJourney(applicationNudgeSteps(webhook, {}));
    const { previewPayload: payload } = await itinera.graphql.query(previewPayload, { journeyId, stepKey: 'application_nudge' });
    expect(payload).toEqual({ data: { Category: 'A', Tier: 'Premium', VIP: true, Application_id: '1234' } });

    const captured = await insertJourney(applicationNudgeSteps(webhook, { data: { greeting: { '@template': 'Hi {{traits.first_name}}' }, after: { '@path': '$.events.wait_for_completion.event' } } }));
    expect((await itinera.graphql.query(previewPayload, { journeyId: captured, stepKey: 'application_nudge' })).previewPayload).toEqual({
      data: { greeting: 'Hi Ada', after: 'Application_Completed' },
    });
  });

  it('shows the published version of a published journey', async () => {
    const mappingOf = (campaign: string) => ({ data: { campaign } });
    const journeyId = await insertJourney(applicationNudgeSteps(webhook, mappingOf('draft')), {
      version: 2,
      versions: { 1: applicationNudgeSteps(webhook, mappingOf('version 1')), 2: applicationNudgeSteps(webhook, mappingOf('version 2')) },
    });
    expect((await itinera.graphql.query(previewPayload, { journeyId, stepKey: 'application_nudge' })).previewPayload).toEqual({ data: { campaign: 'version 2' } });
  });

  it('reports a payload that does not fit the action with each problem at its place in the journey', async () => {
    const journeyId = await insertJourney(applicationNudgeSteps(webhook, { data: { '@path': '$.traits.email' }, channel: 'email' }));
    const error = await itinera.graphql.error(previewPayload, { journeyId, stepKey: 'application_nudge' });
    expect(error.message).toBe(
      'the payload of step "application_nudge" does not fit webhook.send: data must be an object, got "ada@example.com"; channel is not a field of this action (fields: data)',
    );
    expect(error.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      problems: [
        { path: 'steps[1].send.mapping.data', message: 'must be an object, got "ada@example.com"' },
        { path: 'steps[1].send.mapping.channel', message: 'is not a field of this action (fields: data)' },
      ],
    });

    const malformed = await insertJourney(applicationNudgeSteps(webhook, { data: { email: { '@pth': '$.traits.email' }, name: { '@template': 'Hi {{traits.first_name' } } }));
    const directiveError = await itinera.graphql.error(previewPayload, { journeyId: malformed, stepKey: 'application_nudge' });
    // jsonb keeps object keys in its own order, so the problems come in that order.
    const byPath = [...(directiveError.extensions?.problems ?? [])].sort((a, b) => a.path.localeCompare(b.path));
    expect(byPath).toEqual([
      { path: 'steps[1].send.mapping.data.email', message: '@pth is not a mapping directive; use one of @path, @template, @if, @case, @replace, @arrayPath, @merge, @json, @literal, @flatten' },
      { path: 'steps[1].send.mapping.data.name', message: expect.stringContaining('@template has an unclosed {{') },
    ]);
  });

  it('previews a send to a disabled destination, and reports one that does not exist', async () => {
    const paused = await destinationId(itinera, { name: 'Paused', plugin: 'webhook', settings: { url: 'https://hooks.example.com/paused' } });
    await itinera.graphql.query(updateDestination, { id: paused, input: { name: 'Paused', plugin: 'webhook', settings: { url: 'https://hooks.example.com/paused' }, enabled: false } });
    const journeyId = await insertJourney(applicationNudgeSteps(paused, { data: { campaign: 'paused' } }));
    expect((await itinera.graphql.query(previewPayload, { journeyId, stepKey: 'application_nudge' })).previewPayload).toEqual({ data: { campaign: 'paused' } });

    const missing = randomUUID();
    const dangling = await insertJourney(applicationNudgeSteps(missing, {}));
    const error = await itinera.graphql.error(previewPayload, { journeyId: dangling, stepKey: 'application_nudge' });
    expect(error.extensions?.problems).toEqual([{ path: 'steps[1].send.destinationId', message: `destination "${missing}" does not exist in this workspace` }]);
  });

  it('refuses an unknown step, a step that is not a send, a context that is not an object, and a journey of another workspace', async () => {
    const journeyId = await insertJourney(applicationNudgeSteps(webhook, {}));
    const unknownStep = await itinera.graphql.error(previewPayload, { journeyId, stepKey: 'send_coupon' });
    expect(unknownStep.extensions?.problems).toEqual([{ path: 'stepKey', message: 'the journey has no step "send_coupon" (its send steps: "application_nudge")' }]);
    const hold = await itinera.graphql.error(previewPayload, { journeyId, stepKey: 'wait_for_completion' });
    expect(hold.extensions?.problems).toEqual([{ path: 'stepKey', message: 'step "wait_for_completion" is a HOLD_UNTIL step; only SEND steps have a payload' }]);
    const badContext = await itinera.graphql.error(previewPayload, { journeyId, stepKey: 'application_nudge', context: ['88'] });
    expect(badContext.extensions?.problems).toEqual([{ path: 'context', message: expect.stringContaining('must be a journey context object') }]);

    const other = await itinera.createWorkspace('preview-other');
    expect((await other.graphql.error(previewPayload, { journeyId, stepKey: 'application_nudge' })).extensions?.code).toBe('NOT_FOUND');
    expect((await itinera.graphql.error(previewPayload, { journeyId: 'nope', stepKey: 'application_nudge' })).extensions?.code).toBe('NOT_FOUND');
  });
});
