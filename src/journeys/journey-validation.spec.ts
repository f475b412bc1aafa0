import fc from 'fast-check';
import { Problem } from './journey-definition';
import { DEFAULT_JOURNEY_LIMITS } from './journey-limits';
import {
  ConditionInputShape,
  DestinationSummary,
  JourneyInputShape,
  normalizeJourneyInput,
  publishedLimitProblem,
  StepInputShape,
  validateJourneyDraft,
  validateJourneyInput,
  ValidationContext,
} from './journey-validation';

type DeepMutable<T> = T extends readonly (infer U)[]
  ? DeepMutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: DeepMutable<T[K]> }
    : T;
type Input = DeepMutable<JourneyInputShape>;
type Step = DeepMutable<StepInputShape>;

const WEBHOOK = 'webhook-destination';
const destinations = new Map<string, DestinationSummary>([
  [WEBHOOK, { plugin: 'webhook', actions: new Map([['send', { fields: { data: { required: true } } }]]) }],
  [
    'crm-destination',
    {
      plugin: 'crm',
      actions: new Map([
        ['upsertContact', { fields: { email: { required: true }, userId: { required: true, default: { '@path': '$.userId' } }, note: {} } }],
      ]),
    },
  ],
]);

/** The application-abandonment journey of the use-case guide: hold 2 hours for completion, else nudge. */
function applicationAbandonment(): Input {
  return {
    name: 'Application abandonment nudge',
    trigger: { type: 'EVENT', event: { event: 'Application_Started', filters: [{ path: 'properties.Tier', operator: 'EQUALS', values: ['Premium'] }] } },
    entry: { mode: 'REENTER_EVERY_TIME', uniqueIdentifier: 'properties.Application_id' },
    steps: [
      {
        key: 'wait_for_completion',
        name: 'Wait for completion',
        type: 'HOLD_UNTIL',
        hold: {
          branches: [{ key: 'completed', match: { event: 'Application_Completed' } }],
          maxDuration: 'PT2H',
          timeoutNext: 'application_nudge',
        },
      },
      sendStep('application_nudge'),
    ],
  };
}

function sendStep(key: string, next?: string): Step {
  return {
    key,
    name: key.replace(/_/g, ' '),
    type: 'SEND',
    next,
    send: { destinationId: WEBHOOK, action: 'send', mapping: { data: { user: { '@path': '$.userId' } } } },
  };
}

function endStep(key: string): Step {
  return { key, name: key, type: 'END' };
}

/** The journey with a SPLIT on `condition` between the hold's timeout and the nudge. */
function withSplit(condition: ConditionInputShape): Input {
  const input = applicationAbandonment();
  input.steps[0].hold!.timeoutNext = 'check_tier';
  input.steps.push({ key: 'check_tier', name: 'Check tier', type: 'SPLIT', split: { condition, trueNext: 'application_nudge' } } as Step);
  return input;
}

function validate(input: Input, ctx: Partial<ValidationContext> = {}) {
  return validateJourneyInput(input as JourneyInputShape, { limits: DEFAULT_JOURNEY_LIMITS, destinations, ...ctx });
}

function problemsOf(input: Input, ctx: Partial<ValidationContext> = {}): Problem[] {
  return validate(input, ctx).problems;
}

/** The application journey, changed by `change`. */
function journey(change: (input: Input) => void): Input {
  const input = applicationAbandonment();
  change(input);
  return input;
}

describe('normalizeJourneyInput', () => {
  it('applies the input defaults: re-enter every time, no filters, ALL, no history, send enabled', () => {
    const draft = normalizeJourneyInput({
      name: 'Defaults',
      trigger: { type: 'EVENT', event: { event: 'Cart_Viewed' } },
      steps: [
        {
          key: 'check',
          name: 'Check',
          type: 'SPLIT',
          split: { condition: { performed: [{ event: 'Checkout_Completed' }] }, trueNext: 'nudge' },
        },
        { key: 'nudge', name: 'Nudge', type: 'SEND', send: { destinationId: WEBHOOK, action: 'send', mapping: {} } },
      ],
    });
    expect(draft).toEqual({
      trigger: { type: 'EVENT', event: { event: 'Cart_Viewed', filters: [] }, useHistoricalData: false },
      entry: { mode: 'REENTER_EVERY_TIME' },
      exit: [],
      steps: [
        {
          key: 'check',
          name: 'Check',
          type: 'SPLIT',
          split: { condition: { match: 'ALL', filters: [], performed: [{ event: 'Checkout_Completed', filters: [] }] }, trueNext: 'nudge' },
        },
        { key: 'nudge', name: 'Nudge', type: 'SEND', send: { destinationId: WEBHOOK, action: 'send', mapping: {}, enabled: true } },
      ],
    });
  });

  it('turns GraphQL nulls into absent fields, but keeps nulls inside a mapping', () => {
    const draft = normalizeJourneyInput({
      name: 'Nulls',
      description: null,
      trigger: { type: 'EVENT', event: { event: 'Cart_Viewed', filters: null }, audienceId: null, audienceFilterId: null, useHistoricalData: null },
      entry: { mode: null, uniqueIdentifier: null },
      exit: null,
      goal: null,
      startStep: null,
      steps: [
        {
          key: 'nudge',
          name: 'Nudge',
          type: 'SEND',
          next: null,
          hold: null,
          wait: null,
          split: null,
          send: { destinationId: WEBHOOK, action: 'send', eventName: null, mapping: { data: { coupon: null } }, enabled: null },
        },
      ],
    });
    expect(draft).toStrictEqual({
      trigger: { type: 'EVENT', event: { event: 'Cart_Viewed', filters: [] }, useHistoricalData: false },
      entry: { mode: 'REENTER_EVERY_TIME' },
      exit: [],
      steps: [{ key: 'nudge', name: 'Nudge', type: 'SEND', send: { destinationId: WEBHOOK, action: 'send', mapping: { data: { coupon: null } }, enabled: true } }],
    });
  });

  it('generates a key from the name for each step that has none, and keeps the given ones', () => {
    const input = applicationAbandonment();
    delete input.steps[0].key;
    const draft = normalizeJourneyInput(input as JourneyInputShape);
    expect(draft.steps[0].key).toMatch(/^wait_for_completion_[a-z0-9]{6}$/);
    expect(draft.steps[1].key).toBe('application_nudge');
  });

  it('copies the input, so later changes to the input do not reach the draft', () => {
    const input = applicationAbandonment();
    const draft = normalizeJourneyInput(input as JourneyInputShape);
    (input.steps[1].send!.mapping as { data: Record<string, unknown> }).data.user = 'changed';
    input.trigger.event!.filters![0].values!.push('Basic');
    expect(draft.steps[1].send!.mapping).toEqual({ data: { user: { '@path': '$.userId' } } });
    expect(draft.trigger.event!.filters[0].values).toEqual(['Premium']);
  });
});

describe('validateJourneyDraft', () => {
  it('accepts the application-abandonment journey and returns its definition, start step filled in', () => {
    const { problems, definition } = validate(applicationAbandonment());
    expect(problems).toEqual([]);
    expect(definition).toEqual({
      trigger: {
        type: 'EVENT',
        event: { event: 'Application_Started', filters: [{ path: 'properties.Tier', operator: 'EQUALS', values: ['Premium'] }] },
        useHistoricalData: false,
      },
      entry: { mode: 'REENTER_EVERY_TIME', uniqueIdentifier: 'properties.Application_id' },
      exit: [],
      steps: [
        {
          key: 'wait_for_completion',
          name: 'Wait for completion',
          type: 'HOLD_UNTIL',
          hold: {
            branches: [{ key: 'completed', match: { event: 'Application_Completed', filters: [] } }],
            updateEvents: [],
            maxDuration: 'PT2H',
            timeoutNext: 'application_nudge',
          },
        },
        {
          key: 'application_nudge',
          name: 'application nudge',
          type: 'SEND',
          send: { destinationId: WEBHOOK, action: 'send', mapping: { data: { user: { '@path': '$.userId' } } }, enabled: true },
        },
      ],
      startStep: 'wait_for_completion',
    });
  });

  it('returns no definition while there is any problem', () => {
    expect(validate(journey((input) => (input.name = ''))).definition).toBeUndefined();
  });

  it('reports exactly the three problems of a journey that has three', () => {
    const problems = problemsOf(
      journey((input) => {
        input.name = '';
        input.steps[0].hold!.maxDuration = 'two hours';
        input.steps[1].next = 'foo';
      }),
    );
    expect(problems).toEqual([
      { path: 'name', message: 'journey needs a name' },
      { path: 'steps[0].hold.maxDuration', message: 'maxDuration "two hours" of step "wait_for_completion" is not a positive ISO-8601 duration such as PT5S, PT1H or P3D' },
      { path: 'steps[1].next', message: 'step "application_nudge" points to unknown step "foo"' },
    ]);
  });

  describe('name and description', () => {
    it.each(['', '   '])('requires a journey name (%j is none)', (name) => {
      expect(problemsOf(journey((input) => (input.name = name)))).toEqual([{ path: 'name', message: 'journey needs a name' }]);
    });

    it('allows names of up to 73 characters', () => {
      expect(problemsOf(journey((input) => (input.name = 'n'.repeat(73))))).toEqual([]);
      expect(problemsOf(journey((input) => (input.name = 'n'.repeat(74))))).toEqual([
        { path: 'name', message: 'journey name is 74 characters long; the limit is 73' },
      ]);
    });

    it('counts characters, not UTF-16 units, in names', () => {
      expect(problemsOf(journey((input) => (input.name = '🛒'.repeat(73))))).toEqual([]);
    });

    it('follows the name limit the deployment configures', () => {
      const limits = { ...DEFAULT_JOURNEY_LIMITS, maxNameLength: 10 };
      expect(problemsOf(applicationAbandonment(), { limits })).toEqual([
        { path: 'name', message: 'journey name is 29 characters long; the limit is 10' },
      ]);
    });

    it('allows descriptions of up to 1000 characters', () => {
      expect(problemsOf(journey((input) => (input.description = 'd'.repeat(1000))))).toEqual([]);
      expect(problemsOf(journey((input) => (input.description = 'd'.repeat(1001))))).toEqual([
        { path: 'description', message: 'description is 1001 characters long; the limit is 1000' },
      ]);
    });

    it('does not check the name when the context gives none (validating a stored draft)', () => {
      const draft = normalizeJourneyInput(applicationAbandonment() as JourneyInputShape);
      expect(validateJourneyDraft(draft, { limits: DEFAULT_JOURNEY_LIMITS }).problems).toEqual([]);
    });
  });

  describe('trigger', () => {
    it('needs an event to match for an EVENT trigger', () => {
      expect(problemsOf(journey((input) => delete input.trigger.event))).toEqual([
        { path: 'trigger.event', message: 'an EVENT trigger needs an event to match' },
      ]);
    });

    it('needs a non-empty event name for an EVENT trigger', () => {
      expect(problemsOf(journey((input) => (input.trigger.event!.event = '')))).toEqual([
        { path: 'trigger.event.event', message: 'the trigger needs an event name' },
      ]);
    });

    it('needs an audienceId for an AUDIENCE trigger', () => {
      expect(problemsOf(journey((input) => (input.trigger = { type: 'AUDIENCE' })))).toEqual([
        { path: 'trigger.audienceId', message: 'an AUDIENCE trigger needs an audienceId' },
      ]);
    });

    it('accepts an AUDIENCE trigger with historical data on a known audience', () => {
      const audienceTrigger = { type: 'AUDIENCE' as const, audienceId: 'cart-abandoners', useHistoricalData: true };
      expect(problemsOf(journey((input) => (input.trigger = audienceTrigger)), { audienceIds: new Set(['cart-abandoners']) })).toEqual([]);
    });

    it('reports an AUDIENCE trigger on an unknown audience when the audiences are known', () => {
      const change = (input: Input) => (input.trigger = { type: 'AUDIENCE', audienceId: 'gone' });
      expect(problemsOf(journey(change), { audienceIds: new Set(['cart-abandoners']) })).toEqual([
        { path: 'trigger.audienceId', message: 'unknown audience "gone"' },
      ]);
      expect(problemsOf(journey(change))).toEqual([]);
    });

    it('reports an unknown audienceFilterId when the audiences are known', () => {
      const change = (input: Input) => (input.trigger.audienceFilterId = 'vip');
      expect(problemsOf(journey(change), { audienceIds: new Set(['cart-abandoners']) })).toEqual([
        { path: 'trigger.audienceFilterId', message: 'unknown audience "vip"' },
      ]);
      expect(problemsOf(journey(change), { audienceIds: new Set(['vip']) })).toEqual([]);
    });

    it('allows useHistoricalData only on AUDIENCE triggers', () => {
      expect(problemsOf(journey((input) => (input.trigger.useHistoricalData = true)))).toEqual([
        { path: 'trigger.useHistoricalData', message: 'useHistoricalData applies to AUDIENCE triggers only' },
      ]);
    });

    it('points an EVENT trigger with an audienceId to audienceFilterId', () => {
      expect(problemsOf(journey((input) => (input.trigger.audienceId = 'vip')))).toEqual([
        {
          path: 'trigger.audienceId',
          message: 'audienceId is for AUDIENCE triggers; use audienceFilterId to admit only members of an audience',
        },
      ]);
    });
  });

  describe('property filters', () => {
    const withTriggerFilter = (filter: object) => journey((input) => (input.trigger.event!.filters = [filter as never]));

    it('needs a path', () => {
      expect(problemsOf(withTriggerFilter({ path: '', operator: 'EXISTS' }))).toEqual([
        { path: 'trigger.event.filters[0].path', message: 'filter needs a path' },
      ]);
    });

    it.each(['properties..total', 'properties.total.', 'properties total', 'properties.cart[x]', '.properties.total', 'properties.total[-1]'])(
      'refuses the badly formed path %j',
      (path) => {
        expect(problemsOf(withTriggerFilter({ path, operator: 'EXISTS' }))).toEqual([
          { path: 'trigger.event.filters[0].path', message: `filter path ${JSON.stringify(path)} is not a valid path (dot-separated names, optionally with [n])` },
        ]);
      },
    );

    it.each(['properties.cart_ID', 'properties.checkout_cart[0].productId', 'context.page.path', 'traits.email', 'userId', 'event', 'timestamp'])(
      'accepts the event path %j',
      (path) => {
        expect(problemsOf(withTriggerFilter({ path, operator: 'EXISTS' }))).toEqual([]);
      },
    );

    it.each(['cart_ID', 'properties', 'userId.first', 'entry.properties.total', 'anonymousId'])('refuses the event path %j that leaves the event', (path) => {
      expect(problemsOf(withTriggerFilter({ path, operator: 'EXISTS' }))).toEqual([
        {
          path: 'trigger.event.filters[0].path',
          message: `filter path ${JSON.stringify(path)} must start with properties., context., traits., userId, event or timestamp`,
        },
      ]);
    });

    it.each(['EXISTS', 'NOT_EXISTS'])('refuses values on %s', (operator) => {
      expect(problemsOf(withTriggerFilter({ path: 'properties.cart_ID', operator, values: ['123'] }))).toEqual([
        { path: 'trigger.event.filters[0].values', message: `filter on "properties.cart_ID": ${operator} takes no values` },
      ]);
    });

    it.each(['EQUALS', 'NOT_EQUALS', 'CONTAINS', 'GT', 'LTE'])('needs a value for %s', (operator) => {
      expect(problemsOf(withTriggerFilter({ path: 'properties.Tier', operator }))).toEqual([
        { path: 'trigger.event.filters[0].values', message: `filter on "properties.Tier": ${operator} needs a value` },
      ]);
    });

    it('needs at least one value for EQUALS_ANY_OF', () => {
      expect(problemsOf(withTriggerFilter({ path: 'properties.Tier', operator: 'EQUALS_ANY_OF', values: [] }))).toEqual([
        { path: 'trigger.event.filters[0].values', message: 'filter on "properties.Tier": EQUALS_ANY_OF needs at least one value' },
      ]);
    });

    it('compares numbers and numeric strings such as "55.34" with GT, GTE, LT and LTE', () => {
      expect(problemsOf(withTriggerFilter({ path: 'properties.total', operator: 'GT', values: [50] }))).toEqual([]);
      expect(problemsOf(withTriggerFilter({ path: 'properties.total', operator: 'LTE', values: ['55.34'] }))).toEqual([]);
    });

    it('refuses non-numeric values such as "$55.34" for numeric operators, naming each', () => {
      expect(problemsOf(withTriggerFilter({ path: 'properties.productPrice', operator: 'GTE', values: ['$55.34', 10, true] }))).toEqual([
        { path: 'trigger.event.filters[0].values', message: 'filter on "properties.productPrice": GTE compares numbers, and "$55.34" is not one' },
        { path: 'trigger.event.filters[0].values', message: 'filter on "properties.productPrice": GTE compares numbers, and true is not one' },
      ]);
    });

    it('refuses an unknown operator', () => {
      expect(problemsOf(withTriggerFilter({ path: 'properties.Tier', operator: 'LIKE', values: ['P%'] }))).toEqual([
        { path: 'trigger.event.filters[0].operator', message: 'filter on "properties.Tier" has unknown operator "LIKE"' },
      ]);
    });

    it('checks the filters of exits, goals, hold branches and update events as event filters', () => {
      const badFilter = { path: 'total', operator: 'EXISTS' as const };
      const problems = problemsOf(
        journey((input) => {
          input.exit = [{ event: 'Application_Withdrawn', filters: [badFilter] }];
          input.goal = { match: { event: 'Application_Completed', filters: [badFilter] } };
          input.steps[0].hold!.branches[0].match.filters = [badFilter];
          input.steps[0].hold!.updateEvents = [{ event: 'Application_Saved', filters: [badFilter] }];
        }),
      );
      expect(problems.map((problem) => problem.path)).toEqual([
        'exit[0].filters[0].path',
        'goal.match.filters[0].path',
        'steps[0].hold.branches[0].match.filters[0].path',
        'steps[0].hold.updateEvents[0].filters[0].path',
      ]);
    });

    it.each(['traits.ltv', 'entry.properties.Tier', 'events.wait_for_completion.properties.total', 'journey.version', 'instance.uniqueId', 'userId'])(
      'accepts the condition path %j into the journey context',
      (path) => {
        expect(problemsOf(withSplit({ filters: [{ path, operator: 'EXISTS' }] }))).toEqual([]);
      },
    );

    it('refuses condition paths outside the journey context', () => {
      expect(problemsOf(withSplit({ filters: [{ path: 'properties.Tier', operator: 'EXISTS' }] }))).toEqual([
        {
          path: 'steps[2].split.condition.filters[0].path',
          message: 'condition path "properties.Tier" must start with one of userId, journey, instance, entry, events, traits',
        },
      ]);
    });
  });

  describe('conditions and performed clauses', () => {
    it('needs at least one filter or performed clause', () => {
      expect(problemsOf(withSplit({ match: 'ALL' }))).toEqual([
        { path: 'steps[2].split.condition', message: 'step "check_tier" needs at least one filter or performed clause in its condition' },
      ]);
    });

    it('accepts "performed Application_Saved at least once within 1 day"', () => {
      expect(problemsOf(withSplit({ performed: [{ event: 'Application_Saved', atLeast: 1, within: 'P1D' }] }))).toEqual([]);
    });

    it('needs an event name in a performed clause', () => {
      expect(problemsOf(withSplit({ performed: [{ event: ' ', atLeast: 1 }] }))).toEqual([
        { path: 'steps[2].split.condition.performed[0].event', message: 'performed clause needs an event name' },
      ]);
    });

    it('refuses negative counts', () => {
      expect(problemsOf(withSplit({ performed: [{ event: 'Application_Saved', atLeast: -1, atMost: -2 }] }))).toEqual([
        { path: 'steps[2].split.condition.performed[0].atLeast', message: 'atLeast must be a whole number, 0 or more, not -1' },
        { path: 'steps[2].split.condition.performed[0].atMost', message: 'atMost must be a whole number, 0 or more, not -2' },
      ]);
    });

    it('refuses atLeast above atMost, which can never hold', () => {
      expect(problemsOf(withSplit({ performed: [{ event: 'Application_Saved', atLeast: 3, atMost: 1 }] }))).toEqual([
        { path: 'steps[2].split.condition.performed[0].atLeast', message: 'atLeast (3) is more than atMost (1), so the clause can never hold' },
      ]);
    });

    it('refuses a window that is not an ISO-8601 duration', () => {
      expect(problemsOf(withSplit({ performed: [{ event: 'Application_Saved', atLeast: 1, within: '1 day' }] }))).toEqual([
        { path: 'steps[2].split.condition.performed[0].within', message: 'within "1 day" of the performed clause is not a positive ISO-8601 duration such as PT5S, PT1H or P3D' },
      ]);
    });

    it('checks performed-clause filters as event filters', () => {
      const performed = [{ event: 'Order Completed', filters: [{ path: 'traits.email', operator: 'EXISTS' as const }, { path: 'entry.total', operator: 'EXISTS' as const }] }];
      expect(problemsOf(withSplit({ performed }))).toEqual([
        {
          path: 'steps[2].split.condition.performed[0].filters[1].path',
          message: 'filter path "entry.total" must start with properties., context., traits., userId, event or timestamp',
        },
      ]);
    });
  });

  describe('entry rules', () => {
    it('needs the unique identifier to be a path into the entry event properties', () => {
      expect(problemsOf(journey((input) => (input.entry!.uniqueIdentifier = 'context.page.path')))).toEqual([
        {
          path: 'entry.uniqueIdentifier',
          message: `uniqueIdentifier "context.page.path" must be a path into the entry event's properties, e.g. properties.Application_id`,
        },
      ]);
    });

    it('refuses a badly formed unique identifier', () => {
      expect(problemsOf(journey((input) => (input.entry!.uniqueIdentifier = 'properties.Application id')))).toEqual([
        { path: 'entry.uniqueIdentifier', message: 'uniqueIdentifier "properties.Application id" is not a valid path' },
      ]);
    });

    it('refuses a unique identifier on a journey users enter once', () => {
      expect(problemsOf(journey((input) => (input.entry!.mode = 'ONCE')))).toEqual([
        { path: 'entry.uniqueIdentifier', message: 'uniqueIdentifier only applies when users re-enter (mode REENTER_EVERY_TIME)' },
      ]);
    });
  });

  describe('exit and goal', () => {
    it('needs an event name in each exit', () => {
      expect(problemsOf(journey((input) => (input.exit = [{ event: 'Application_Withdrawn' }, { event: '' }])))).toEqual([
        { path: 'exit[1].event', message: 'exit 2 needs an event name' },
      ]);
    });

    it('needs an event name in the goal', () => {
      expect(problemsOf(journey((input) => (input.goal = { match: { event: '' }, targetPercent: 50 })))).toEqual([
        { path: 'goal.match.event', message: 'the goal needs an event name' },
      ]);
    });

    it.each([-1, 100.5, 150])('keeps targetPercent within 0..100 (refuses %s)', (targetPercent) => {
      expect(problemsOf(journey((input) => (input.goal = { match: { event: 'Application_Completed' }, targetPercent })))).toEqual([
        { path: 'goal.targetPercent', message: `targetPercent must be between 0 and 100, not ${targetPercent}` },
      ]);
    });

    it.each([0, 50, 100])('accepts targetPercent %s', (targetPercent) => {
      expect(problemsOf(journey((input) => (input.goal = { match: { event: 'Application_Completed' }, targetPercent })))).toEqual([]);
    });
  });

  describe('steps', () => {
    it('needs at least one step', () => {
      expect(problemsOf(journey((input) => (input.steps = [])))).toEqual([{ path: 'steps', message: 'journey needs at least one step' }]);
    });

    it('refuses a key used twice', () => {
      expect(problemsOf(journey((input) => input.steps.push(sendStep('application_nudge'))))).toEqual([
        { path: 'steps[2].key', message: 'step key "application_nudge" is already used by steps[1]' },
      ]);
    });

    it('allows only letters, digits, _ and - in keys', () => {
      const problems = problemsOf(
        journey((input) => {
          input.steps[0].hold!.timeoutNext = 'application nudge';
          input.steps[1].key = 'application nudge';
        }),
      );
      expect(problems).toEqual([{ path: 'steps[1].key', message: 'step key "application nudge" may only contain letters, digits, _ and -' }]);
    });

    it('allows keys of up to 255 characters', () => {
      const withKey = (key: string) =>
        journey((input) => {
          input.steps[0].hold!.timeoutNext = key;
          input.steps[1].key = key;
        });
      expect(problemsOf(withKey('k'.repeat(255)))).toEqual([]);
      expect(problemsOf(withKey('k'.repeat(256)))).toEqual([
        { path: 'steps[1].key', message: `step key "${'k'.repeat(57)}..." is 256 characters long; the limit is 255` },
      ]);
    });

    it('needs a step name of 1 to 170 characters', () => {
      expect(problemsOf(journey((input) => (input.steps[1].name = '')))).toEqual([
        { path: 'steps[1].name', message: 'step "application_nudge" needs a name' },
      ]);
      expect(problemsOf(journey((input) => (input.steps[1].name = 'n'.repeat(171))))).toEqual([
        { path: 'steps[1].name', message: 'name of step "application_nudge" is 171 characters long; the limit is 170' },
      ]);
    });

    it("needs each step's own configuration, which leaves what follows it unreachable", () => {
      expect(problemsOf(journey((input) => delete input.steps[0].hold))).toEqual([
        { path: 'steps[0].hold', message: 'HOLD_UNTIL step "wait_for_completion" needs hold' },
        { path: 'steps[1]', message: 'step "application_nudge" cannot be reached from the start step "wait_for_completion"' },
      ]);
    });

    it.each([
      ['WAIT', 'wait'],
      ['WAIT_FOR_CONDITION', 'waitForCondition'],
      ['SPLIT', 'split'],
      ['MULTI_BRANCH', 'multiBranch'],
      ['SEND', 'send'],
    ])('needs a %s step to have %s', (type, config) => {
      const problems = problemsOf(journey((input) => input.steps.push({ key: 'extra', name: 'Extra', type, next: undefined } as Step)), {});
      expect(problems).toContainEqual({ path: `steps[2].${config}`, message: `${type} step "extra" needs ${config}` });
    });

    it('still checks where a step leads when its configuration is missing', () => {
      const problems = problemsOf(
        journey((input) => {
          delete input.steps[1].send;
          input.steps[1].next = 'foo';
        }),
      );
      expect(problems).toEqual([
        { path: 'steps[1].send', message: 'SEND step "application_nudge" needs send' },
        { path: 'steps[1].next', message: 'step "application_nudge" points to unknown step "foo"' },
      ]);
    });

    it('refuses configuration that belongs to another step type', () => {
      expect(problemsOf(journey((input) => (input.steps[1].wait = { duration: 'PT1H' })))).toEqual([
        { path: 'steps[1].wait', message: 'SEND step "application_nudge" takes no wait' },
      ]);
    });

    it('refuses next on steps that choose their way out themselves', () => {
      expect(problemsOf(journey((input) => (input.steps[0].next = 'application_nudge')))).toEqual([
        { path: 'steps[0].next', message: `HOLD_UNTIL step "wait_for_completion" takes no next; use its branches' next and timeoutNext` },
      ]);
    });

    it('refuses an unknown step type', () => {
      expect(problemsOf(journey((input) => (input.steps[1].type = 'SLEEP' as never)))).toEqual([
        { path: 'steps[1].type', message: 'step "application_nudge" has unknown type "SLEEP"' },
      ]);
    });
  });

  describe('HOLD_UNTIL', () => {
    it('needs at least one branch', () => {
      expect(problemsOf(journey((input) => (input.steps[0].hold!.branches = [])))).toEqual([
        { path: 'steps[0].hold.branches', message: 'step "wait_for_completion" needs at least one branch to wait for' },
      ]);
    });

    it('refuses a branch key used twice', () => {
      const problems = problemsOf(
        journey((input) => input.steps[0].hold!.branches.push({ key: 'completed', match: { event: 'Application_Submitted' } })),
      );
      expect(problems).toEqual([{ path: 'steps[0].hold.branches[1].key', message: 'branch key "completed" is used twice in step "wait_for_completion"' }]);
    });

    it('needs an event name in each branch', () => {
      expect(problemsOf(journey((input) => (input.steps[0].hold!.branches[0].match.event = '')))).toEqual([
        { path: 'steps[0].hold.branches[0].match.event', message: 'branch "completed" of step "wait_for_completion" needs an event name' },
      ]);
    });

    it.each(['2h', 'PT0S', 'P', '-PT1H'])('needs a positive ISO-8601 maxDuration (refuses %j)', (maxDuration) => {
      expect(problemsOf(journey((input) => (input.steps[0].hold!.maxDuration = maxDuration)))).toEqual([
        {
          path: 'steps[0].hold.maxDuration',
          message: `maxDuration ${JSON.stringify(maxDuration)} of step "wait_for_completion" is not a positive ISO-8601 duration such as PT5S, PT1H or P3D`,
        },
      ]);
    });

    it('needs a maxDuration', () => {
      expect(problemsOf(journey((input) => (input.steps[0].hold!.maxDuration = '')))).toEqual([
        { path: 'steps[0].hold.maxDuration', message: 'step "wait_for_completion" needs a maxDuration such as PT1H or P3D' },
      ]);
    });

    it('accepts seconds, so tests can hold for PT5S', () => {
      expect(problemsOf(journey((input) => (input.steps[0].hold!.maxDuration = 'PT5S')))).toEqual([]);
    });

    it('needs an event name in each update event, such as Cart_Modified', () => {
      expect(problemsOf(journey((input) => (input.steps[0].hold!.updateEvents = [{ event: 'Cart_Modified' }, { event: '' }])))).toEqual([
        { path: 'steps[0].hold.updateEvents[1].event', message: 'update event 2 of step "wait_for_completion" needs an event name' },
      ]);
    });
  });

  describe('WAIT and WAIT_FOR_CONDITION', () => {
    const withStep = (step: object) =>
      journey((input) => {
        input.steps[0].hold!.timeoutNext = 'extra';
        input.steps.push({ key: 'extra', name: 'Extra', ...step } as Step);
      });

    it('needs a WAIT duration', () => {
      expect(problemsOf(withStep({ type: 'WAIT', wait: { duration: 'one day' }, next: 'application_nudge' }))).toEqual([
        { path: 'steps[2].wait.duration', message: 'duration "one day" of step "extra" is not a positive ISO-8601 duration such as PT5S, PT1H or P3D' },
      ]);
    });

    it('accepts a WAIT of P1D', () => {
      expect(problemsOf(withStep({ type: 'WAIT', wait: { duration: 'P1D' }, next: 'application_nudge' }))).toEqual([]);
    });

    const waitForCondition = (config: object) =>
      withStep({
        type: 'WAIT_FOR_CONDITION',
        next: 'application_nudge',
        waitForCondition: { condition: { performed: [{ event: 'Page Viewed', atLeast: 1 }] }, ...config },
      });

    it('needs a WAIT_FOR_CONDITION maxDuration to be an ISO-8601 duration', () => {
      expect(problemsOf(waitForCondition({ maxDuration: 'P1X', timeoutNext: 'application_nudge' }))).toEqual([
        {
          path: 'steps[2].waitForCondition.maxDuration',
          message: 'maxDuration "P1X" of step "extra" is not a positive ISO-8601 duration such as PT5S, PT1H or P3D',
        },
      ]);
    });

    it('refuses a WAIT_FOR_CONDITION timeoutNext without maxDuration, which would never be taken', () => {
      expect(problemsOf(waitForCondition({ timeoutNext: 'application_nudge' }))).toEqual([
        { path: 'steps[2].waitForCondition.timeoutNext', message: 'step "extra" has a timeoutNext but no maxDuration, so it never times out' },
      ]);
    });

    it('lets a WAIT_FOR_CONDITION wait without a limit', () => {
      expect(problemsOf(waitForCondition({}))).toEqual([]);
    });
  });

  describe('MULTI_BRANCH', () => {
    const multiBranch = (branches: object[]) =>
      journey((input) => {
        input.steps[0].hold!.timeoutNext = 'by_tier';
        input.steps.push({ key: 'by_tier', name: 'By tier', type: 'MULTI_BRANCH', multiBranch: { branches, elseNext: 'application_nudge' } } as Step);
      });

    it('needs at least one branch', () => {
      expect(problemsOf(multiBranch([]))).toEqual([{ path: 'steps[2].multiBranch.branches', message: 'step "by_tier" needs at least one branch' }]);
    });

    it('refuses a branch key used twice', () => {
      const branch = { key: 'premium', condition: { filters: [{ path: 'entry.properties.Tier', operator: 'EQUALS', values: ['Premium'] }] } };
      expect(problemsOf(multiBranch([branch, branch]))).toEqual([
        { path: 'steps[2].multiBranch.branches[1].key', message: 'branch key "premium" is used twice in step "by_tier"' },
      ]);
    });
  });

  describe('SEND', () => {
    it('reports an unknown destination', () => {
      expect(problemsOf(journey((input) => (input.steps[1].send!.destinationId = 'deleted-destination')))).toEqual([
        { path: 'steps[1].send.destinationId', message: 'step "application_nudge" sends to unknown destination "deleted-destination"' },
      ]);
    });

    it('reports an action its plugin does not have', () => {
      expect(problemsOf(journey((input) => (input.steps[1].send!.action = 'post')))).toEqual([
        { path: 'steps[1].send.action', message: 'plugin "webhook" has no action "post" (its actions: "send")' },
      ]);
    });

    it('reports a required field that is not mapped', () => {
      expect(problemsOf(journey((input) => (input.steps[1].send!.mapping = {})))).toEqual([
        { path: 'steps[1].send.mapping.data', message: 'step "application_nudge" (action "send") does not map the required field "data"' },
      ]);
    });

    it('counts a required field mapped to null as not mapped, default or not', () => {
      const change = (input: Input) =>
        (input.steps[1].send = { destinationId: 'crm-destination', action: 'upsertContact', mapping: { email: { '@path': '$.traits.email' }, userId: null } });
      expect(problemsOf(journey(change))).toEqual([
        { path: 'steps[1].send.mapping.userId', message: 'step "application_nudge" (action "upsertContact") does not map the required field "userId"' },
      ]);
    });

    it('reports mapping keys that are not fields of the action, which every delivery would refuse', () => {
      expect(problemsOf(journey((input) => ((input.steps[1].send!.mapping as Record<string, unknown>).payload = { '@path': '$.entry.properties' })))).toEqual([
        { path: 'steps[1].send.mapping.payload', message: 'step "application_nudge" (action "send") maps "payload", which is not one of its fields (data)' },
      ]);
    });

    it('counts a required field with a default mapping as mapped', () => {
      const problems = problemsOf(
        journey((input) => (input.steps[1].send = { destinationId: 'crm-destination', action: 'upsertContact', mapping: { email: { '@path': '$.traits.email' } } })),
      );
      expect(problems).toEqual([]);
    });

    it('needs the mapping to be an object keyed by field', () => {
      expect(problemsOf(journey((input) => (input.steps[1].send!.mapping = ['data'])))).toEqual([
        { path: 'steps[1].send.mapping', message: `mapping of step "application_nudge" must be a JSON object keyed by the action's fields` },
      ]);
    });

    it('skips destination checks when no destinations are given', () => {
      const change = (input: Input) => (input.steps[1].send = { destinationId: 'anything', action: 'anything', mapping: {} });
      expect(problemsOf(journey(change), { destinations: undefined })).toEqual([]);
    });

    it('reports mapping paths that cannot exist, with their path inside the mapping', () => {
      const checkMappingPaths = jest.fn((): Problem[] => [
        { path: 'data.cart', message: '"$.events.nowhere.properties" names no hold step' },
        { path: '', message: 'mapping is too deep' },
      ]);
      expect(problemsOf(applicationAbandonment(), { checkMappingPaths })).toEqual([
        { path: 'steps[1].send.mapping.data.cart', message: '"$.events.nowhere.properties" names no hold step' },
        { path: 'steps[1].send.mapping', message: 'mapping is too deep' },
      ]);
      expect(checkMappingPaths).toHaveBeenCalledWith({ data: { user: { '@path': '$.userId' } } });
    });
  });

  describe('references between steps', () => {
    it('names the step and the unknown target: step "nudge_x1" points to unknown step "foo"', () => {
      const problems = problemsOf(
        journey((input) => {
          input.steps[0].hold!.timeoutNext = 'nudge_x1';
          input.steps[1].key = 'nudge_x1';
          input.steps[1].next = 'foo';
        }),
      );
      expect(problems).toEqual([{ path: 'steps[1].next', message: 'step "nudge_x1" points to unknown step "foo"' }]);
    });

    it('checks every kind of reference', () => {
      const condition = { filters: [{ path: 'traits.ltv', operator: 'GT' as const, values: [100] }] };
      const input = journey((draft) => {
        draft.steps[0].hold!.branches[0].next = 'gone_1';
        draft.steps[0].hold!.timeoutNext = 'split';
        draft.steps[1].next = 'gone_8';
        draft.steps.push(
          { key: 'split', name: 'Split', type: 'SPLIT', split: { condition, trueNext: 'gone_2', falseNext: 'multi' } },
          {
            key: 'multi',
            name: 'Multi',
            type: 'MULTI_BRANCH',
            multiBranch: { branches: [{ key: 'rich', condition, next: 'gone_3' }, { key: 'on', condition, next: 'wfc' }], elseNext: 'gone_5' },
          },
          {
            key: 'wfc',
            name: 'Wait for condition',
            type: 'WAIT_FOR_CONDITION',
            next: 'gone_4',
            waitForCondition: { condition, maxDuration: 'P1D', timeoutNext: 'gone_6' },
          },
          { key: 'wait', name: 'Wait', type: 'WAIT', wait: { duration: 'PT1H' }, next: 'gone_7' },
        );
        draft.startStep = 'gone_9';
      });
      expect(problemsOf(input)).toEqual([
        { path: 'steps[0].hold.branches[0].next', message: 'step "wait_for_completion" points to unknown step "gone_1"' },
        { path: 'steps[1].next', message: 'step "application_nudge" points to unknown step "gone_8"' },
        { path: 'steps[2].split.trueNext', message: 'step "split" points to unknown step "gone_2"' },
        { path: 'steps[3].multiBranch.branches[0].next', message: 'step "multi" points to unknown step "gone_3"' },
        { path: 'steps[3].multiBranch.elseNext', message: 'step "multi" points to unknown step "gone_5"' },
        { path: 'steps[4].next', message: 'step "wfc" points to unknown step "gone_4"' },
        { path: 'steps[4].waitForCondition.timeoutNext', message: 'step "wfc" points to unknown step "gone_6"' },
        { path: 'steps[5].next', message: 'step "wait" points to unknown step "gone_7"' },
        { path: 'startStep', message: 'start step "gone_9" is not a step of this journey' },
      ]);
    });
  });

  describe('start step and reachability', () => {
    it('starts at the first step listed when startStep is not given', () => {
      expect(validate(applicationAbandonment()).definition?.startStep).toBe('wait_for_completion');
    });

    it('starts where startStep says, and reports the steps that cannot be reached from there', () => {
      expect(problemsOf(journey((input) => (input.startStep = 'application_nudge')))).toEqual([
        { path: 'steps[0]', message: 'step "wait_for_completion" cannot be reached from the start step "application_nudge"' },
      ]);
    });

    it('reports a step nothing leads to', () => {
      expect(problemsOf(journey((input) => input.steps.push(endStep('orphan'))))).toEqual([
        { path: 'steps[2]', message: 'step "orphan" cannot be reached from the start step "wait_for_completion"' },
      ]);
    });
  });

  describe('loops', () => {
    it('refuses a loop of steps that never pause, naming its steps once', () => {
      const problems = problemsOf(
        journey((input) => {
          input.steps[1].next = 'second_nudge';
          input.steps.push(sendStep('second_nudge', 'application_nudge'));
        }),
      );
      expect(problems).toEqual([
        {
          path: 'steps[1]',
          message:
            'steps "application_nudge", "second_nudge" form a loop with no HOLD_UNTIL, WAIT or WAIT_FOR_CONDITION step, so an instance would go round it forever',
        },
      ]);
    });

    it('refuses a step that leads straight back to itself', () => {
      expect(problemsOf(journey((input) => (input.steps[1].next = 'application_nudge')))).toEqual([
        {
          path: 'steps[1]',
          message: 'step "application_nudge" leads back to itself with no HOLD_UNTIL, WAIT or WAIT_FOR_CONDITION step, so an instance would go round it forever',
        },
      ]);
    });

    it('accepts a loopback through a hold, like a reminder that returns to its Hold Until', () => {
      expect(problemsOf(journey((input) => (input.steps[1].next = 'wait_for_completion')))).toEqual([]);
    });

    it('reports each separate loop', () => {
      const problems = problemsOf(
        journey((input) => {
          input.steps[0].hold!.branches[0].next = 'loop_a';
          input.steps.push(sendStep('loop_a', 'loop_a'), sendStep('loop_b', 'loop_c'), sendStep('loop_c', 'loop_b'));
          input.steps[1].next = 'loop_b';
        }),
      );
      expect(problems.map((problem) => problem.path)).toEqual(['steps[2]', 'steps[3]']);
      expect(problems[1].message).toContain('steps "loop_b", "loop_c" form a loop');
    });
  });

  describe('step limit', () => {
    const manyBranches = (count: number) =>
      journey((input) => {
        input.steps[0].hold!.timeoutNext = 'by_segment';
        const branches = Array.from({ length: count }, (_, i) => ({
          key: `segment_${i}`,
          condition: { filters: [{ path: 'traits.segment', operator: 'EQUALS' as const, values: [i] }] },
          next: 'application_nudge',
        }));
        input.steps.push({ key: 'by_segment', name: 'By segment', type: 'MULTI_BRANCH', multiBranch: { branches, elseNext: 'application_nudge' } });
      });

    it('counts a MULTI_BRANCH as its branches, up to 20 counted steps', () => {
      expect(problemsOf(manyBranches(18))).toEqual([]);
      expect(problemsOf(manyBranches(19))).toEqual([
        { path: 'steps', message: 'journey has 21 counted steps (a MULTI_BRANCH counts its branches); the limit is 20' },
      ]);
    });

    it('follows the step limit the deployment configures', () => {
      expect(problemsOf(manyBranches(19), { limits: { ...DEFAULT_JOURNEY_LIMITS, maxCountedSteps: 25 } })).toEqual([]);
    });
  });
});

describe('validating whatever JSON arrives', () => {
  const FIELD_NAMES = [
    'name', 'key', 'type', 'next', 'trigger', 'event', 'filters', 'path', 'operator', 'values', 'entry', 'mode', 'uniqueIdentifier',
    'exit', 'goal', 'match', 'targetPercent', 'steps', 'startStep', 'hold', 'branches', 'updateEvents', 'maxDuration', 'timeoutNext',
    'wait', 'duration', 'waitForCondition', 'condition', 'split', 'trueNext', 'falseNext', 'multiBranch', 'elseNext', 'send',
    'destinationId', 'action', 'mapping', 'enabled', 'performed', 'atLeast', 'atMost', 'within', 'audienceId',
  ];
  const LEAVES = [null, undefined, '', 'EVENT', 'SEND', 'HOLD_UNTIL', 'MULTI_BRANCH', 'GT', 'EXISTS', 'x', 'properties.a', 'PT1H', 0, -1, 3.5, true];
  const json = fc.letrec((tie) => ({
    any: fc.oneof({ depthSize: 'small' }, fc.constantFrom(...LEAVES), tie('object'), tie('array')),
    array: fc.array(tie('any'), { maxLength: 3 }),
    object: fc.dictionary(fc.constantFrom(...FIELD_NAMES), tie('any'), { maxKeys: 8 }),
  })).object;

  it('reports problems instead of throwing, whatever shape a stored draft has', () => {
    const ctx = { limits: DEFAULT_JOURNEY_LIMITS, destinations, audienceIds: new Set<string>() };
    fc.assert(fc.property(json, (draft) => void validateJourneyDraft(draft as never, ctx)), { numRuns: 3000 });
  });

  it('normalizes and validates any input without throwing', () => {
    fc.assert(fc.property(json, (input) => void validateJourneyInput(input as never, { limits: DEFAULT_JOURNEY_LIMITS })), { numRuns: 3000 });
  });
});

describe('publishedLimitProblem', () => {
  it('allows publishing while the workspace has fewer than 5 published journeys', () => {
    expect(publishedLimitProblem(4, DEFAULT_JOURNEY_LIMITS)).toBeNull();
  });

  it('refuses the sixth published journey with a message that says what to do', () => {
    expect(publishedLimitProblem(5, DEFAULT_JOURNEY_LIMITS)).toBe(
      'the workspace already has 5 published journeys; the limit is 5. Archive one before publishing another.',
    );
  });
});
