import fc from 'fast-check';
import { DEFAULT_JOURNEY_LIMITS } from './journey-limits';
import { type JourneyInputShape, normalizeJourneyInput, publishedLimitProblem, validateJourneyDraft, validateJourneyInput } from './journey-validation';
import { applicationAbandonment, destinations, Input, journey, problemsOf, validate, WEBHOOK } from './journey-validation.fixture';

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

    it('names every problem of the cool-down and the entry limit', () => {
      const problems = problemsOf(
        journey((input) => {
          input.entry = { ...input.entry!, cooldown: 'five minutes', limit: { max: 0, within: 'P2Y' } };
          (input as { transactional?: unknown }).transactional = 'yes';
        }),
      );
      expect(problems.map((problem) => problem.path)).toEqual(['entry.cooldown', 'entry.limit.max', 'entry.limit.within', 'transactional']);
    });

    it('accepts a cool-down and a limit in total or per window', () => {
      expect(problemsOf(journey((input) => (input.entry = { ...input.entry!, cooldown: 'PT5M', limit: { max: 1000 } })))).toEqual([]);
      expect(problemsOf(journey((input) => (input.entry = { ...input.entry!, limit: { max: 10, within: 'PT1H' } })))).toEqual([]);
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
