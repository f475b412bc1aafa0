import type { JourneyInputShape, StepInputShape } from '../../src/journeys/journey-validation';
import { applicationAbandonment, createAudience, createDestination, JourneyTestApp, startJourneyTestApp } from './journey-fixtures';

type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
type Input = Mutable<JourneyInputShape>;
type Step = Mutable<StepInputShape>;

const UNKNOWN_ID = '00000000-0000-4000-8000-00000000dead';

/** Ids made in beforeAll, for cases that need a real destination or audience of the workspace. */
interface Ids {
  trackingApiId: string;
  audienceId: string;
}

describe('journey validation (validateJourney and publishJourney)', () => {
  let itinera: JourneyTestApp;
  let webhookId: string;
  let trackingApiId: string;
  let audienceId: string;

  beforeAll(async () => {
    itinera = await startJourneyTestApp();
    webhookId = await createDestination(itinera, 'webhook');
    trackingApiId = await createDestination(itinera, 'tracking-api');
    audienceId = await createAudience(itinera);
  });
  afterAll(() => itinera.close());

  /** Seed 000's application abandonment (hold `wait_for_completion` → send `application_nudge`), changed by `change`. */
  const journey = (change: (input: Input, ids: Ids) => void = () => undefined): Input => {
    const input = applicationAbandonment(webhookId) as Input;
    change(input, { trackingApiId, audienceId });
    return input;
  };
  const hold = (input: Input) => input.steps[0].hold!;
  const send = (input: Input) => input.steps[1].send!;
  /** Puts `step` between the hold's timeout and the nudge. */
  const between = (input: Input, step: Step) => {
    hold(input).timeoutNext = step.key!;
    input.steps.splice(1, 0, step);
  };
  const split = (condition: Record<string, unknown>): Step =>
    ({ key: 'check_tier', name: 'Check tier', type: 'SPLIT', split: { condition, trueNext: 'application_nudge' } }) as Step;

  it('finds nothing wrong with the application-abandonment journey of seed 000', async () => {
    expect(await itinera.journeys.validate(journey())).toEqual([]);
  });

  it('reports exactly the three problems of a journey that has three, each with its path', async () => {
    const input = journey((j) => {
      j.name = '';
      hold(j).maxDuration = 'two hours';
      send(j).destinationId = UNKNOWN_ID;
    });
    expect(await itinera.journeys.validate(input)).toEqual([
      { path: 'name', message: 'journey needs a name' },
      { path: 'steps[0].hold.maxDuration', message: 'maxDuration "two hours" of step "wait_for_completion" is not a positive ISO-8601 duration such as PT5S, PT1H or P3D' },
      { path: 'steps[1].send.destinationId', message: `step "application_nudge" sends to unknown destination "${UNKNOWN_ID}"` },
    ]);
  });

  it('refuses to publish a draft with problems, listing the same problems in extensions.problems, and keeps it a draft', async () => {
    const input = journey((j) => {
      j.name = 'Nudge with a typo';
      hold(j).timeoutNext = 'application_nuge';
    });
    const draft = await itinera.journeys.create(input);
    const error = await itinera.journeys.lifecycleError('publishJourney', draft.id);
    const expected = [
      { path: 'steps[0].hold.timeoutNext', message: 'step "wait_for_completion" points to unknown step "application_nuge"' },
      { path: 'steps[1]', message: 'step "application_nudge" cannot be reached from the start step "wait_for_completion"' },
    ];
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', problems: expected });
    expect(error.message).toMatch(/^journey cannot be published: steps\[0\]\.hold\.timeoutNext: step "wait_for_completion" points to unknown step/);
    expect(await itinera.journeys.validate(input)).toEqual(expected);
    expect((await itinera.journeys.get(draft.id)).status).toBe('DRAFT');
  });

  interface Case {
    problem: string;
    change: (input: Input, ids: Ids) => void;
    expected: { path: string; message: string | RegExp }[];
  }

  const cases: Case[] = [
    // --- name and description
    { problem: 'an empty name', change: (j) => (j.name = ' '), expected: [{ path: 'name', message: 'journey needs a name' }] },
    {
      problem: 'a name over 73 characters',
      change: (j) => (j.name = 'n'.repeat(74)),
      expected: [{ path: 'name', message: 'journey name is 74 characters long; the limit is 73' }],
    },
    {
      problem: 'a description over 1000 characters',
      change: (j) => (j.description = 'd'.repeat(1001)),
      expected: [{ path: 'description', message: 'description is 1001 characters long; the limit is 1000' }],
    },
    // --- trigger
    {
      problem: 'an EVENT trigger without an event',
      change: (j) => (j.trigger = { type: 'EVENT' }),
      expected: [{ path: 'trigger.event', message: 'an EVENT trigger needs an event to match' }],
    },
    {
      problem: 'an EVENT trigger with an empty event name',
      change: (j) => (j.trigger.event!.event = ''),
      expected: [{ path: 'trigger.event.event', message: 'the trigger needs an event name' }],
    },
    {
      problem: 'an EVENT trigger with an audienceId',
      change: (j, ids) => (j.trigger.audienceId = ids.audienceId),
      expected: [
        { path: 'trigger.audienceId', message: 'audienceId is for AUDIENCE triggers; use audienceFilterId to admit only members of an audience' },
      ],
    },
    {
      problem: 'useHistoricalData on an EVENT trigger',
      change: (j) => (j.trigger.useHistoricalData = true),
      expected: [{ path: 'trigger.useHistoricalData', message: 'useHistoricalData applies to AUDIENCE triggers only' }],
    },
    {
      problem: 'an AUDIENCE trigger without an audienceId',
      change: (j) => (j.trigger = { type: 'AUDIENCE' }),
      expected: [{ path: 'trigger.audienceId', message: 'an AUDIENCE trigger needs an audienceId' }],
    },
    {
      problem: 'an AUDIENCE trigger on an unknown audience',
      change: (j) => (j.trigger = { type: 'AUDIENCE', audienceId: UNKNOWN_ID }),
      expected: [{ path: 'trigger.audienceId', message: `unknown audience "${UNKNOWN_ID}"` }],
    },
    {
      problem: 'an AUDIENCE trigger with an event',
      change: (j, ids) => (j.trigger = { type: 'AUDIENCE', audienceId: ids.audienceId, event: { event: 'Application_Started' } }),
      expected: [{ path: 'trigger.event', message: 'an AUDIENCE trigger admits users as they enter the audience; it takes no event' }],
    },
    {
      problem: 'an unknown audienceFilterId',
      change: (j) => (j.trigger.audienceFilterId = UNKNOWN_ID),
      expected: [{ path: 'trigger.audienceFilterId', message: `unknown audience "${UNKNOWN_ID}"` }],
    },
    // --- property filters
    {
      problem: 'a filter without a path',
      change: (j) => (j.trigger.event!.filters = [{ path: '', operator: 'EXISTS' }]),
      expected: [{ path: 'trigger.event.filters[0].path', message: 'filter needs a path' }],
    },
    {
      problem: 'a badly formed filter path',
      change: (j) => (j.trigger.event!.filters = [{ path: 'properties..Tier', operator: 'EXISTS' }]),
      expected: [
        { path: 'trigger.event.filters[0].path', message: 'filter path "properties..Tier" is not a valid path (dot-separated names, optionally with [n])' },
      ],
    },
    {
      problem: 'an event filter path outside the event',
      change: (j) => (j.trigger.event!.filters = [{ path: 'Tier', operator: 'EXISTS' }]),
      expected: [
        { path: 'trigger.event.filters[0].path', message: 'filter path "Tier" must start with properties., context., userId, event or timestamp' },
      ],
    },
    {
      problem: 'an event filter on the profile\'s traits, which an event does not carry',
      change: (j) => (j.trigger.event!.filters = [{ path: 'traits.plan', operator: 'EQUALS', values: ['pro'] }]),
      expected: [
        {
          path: 'trigger.event.filters[0].path',
          message: `filter path "traits.plan" must start with properties., context., userId, event or timestamp; an event carries no traits: read the profile's in a condition step`,
        },
      ],
    },
    {
      problem: 'a numeric operator on "0x10", which the engine does not read as a number',
      change: (j) => (j.trigger.event!.filters = [{ path: 'properties.productPrice', operator: 'GT', values: ['0x10'] }]),
      expected: [{ path: 'trigger.event.filters[0].values', message: 'filter on "properties.productPrice": GT compares numbers, and "0x10" is not one' }],
    },
    {
      problem: 'EXISTS with values',
      change: (j) => (j.trigger.event!.filters = [{ path: 'properties.Tier', operator: 'EXISTS', values: ['Premium'] }]),
      expected: [{ path: 'trigger.event.filters[0].values', message: 'filter on "properties.Tier": EXISTS takes no values' }],
    },
    {
      problem: 'EQUALS without a value',
      change: (j) => (j.trigger.event!.filters = [{ path: 'properties.Tier', operator: 'EQUALS' }]),
      expected: [{ path: 'trigger.event.filters[0].values', message: 'filter on "properties.Tier": EQUALS needs a value' }],
    },
    {
      problem: 'EQUALS_ANY_OF without values',
      change: (j) => (j.trigger.event!.filters = [{ path: 'properties.Tier', operator: 'EQUALS_ANY_OF', values: [] }]),
      expected: [{ path: 'trigger.event.filters[0].values', message: 'filter on "properties.Tier": EQUALS_ANY_OF needs at least one value' }],
    },
    {
      problem: 'a numeric operator on "$55.34", which is not a number',
      change: (j) => (j.trigger.event!.filters = [{ path: 'properties.productPrice', operator: 'GT', values: ['$55.34'] }]),
      expected: [{ path: 'trigger.event.filters[0].values', message: 'filter on "properties.productPrice": GT compares numbers, and "$55.34" is not one' }],
    },
    // --- entry rules
    {
      problem: 'an empty unique identifier',
      change: (j) => (j.entry!.uniqueIdentifier = ''),
      expected: [{ path: 'entry.uniqueIdentifier', message: 'uniqueIdentifier is empty; leave it out for one instance per user' }],
    },
    {
      problem: 'a badly formed unique identifier',
      change: (j) => (j.entry!.uniqueIdentifier = 'properties.'),
      expected: [{ path: 'entry.uniqueIdentifier', message: 'uniqueIdentifier "properties." is not a valid path' }],
    },
    {
      problem: 'a unique identifier outside the entry event properties',
      change: (j) => (j.entry!.uniqueIdentifier = 'context.ip'),
      expected: [
        {
          path: 'entry.uniqueIdentifier',
          message: `uniqueIdentifier "context.ip" must be a path into the entry event's properties, e.g. properties.Application_id`,
        },
      ],
    },
    {
      problem: 'a unique identifier on a journey users enter once',
      change: (j) => (j.entry!.mode = 'ONCE'),
      expected: [{ path: 'entry.uniqueIdentifier', message: 'uniqueIdentifier only applies when users re-enter (mode REENTER_EVERY_TIME)' }],
    },
    // --- exit and goal
    {
      problem: 'an exit without an event name',
      change: (j) => (j.exit = [{ event: 'Purchase_Completed' }, { event: '' }]),
      expected: [{ path: 'exit[1].event', message: 'exit 2 needs an event name' }],
    },
    {
      problem: 'a goal without an event name',
      change: (j) => (j.goal = { match: { event: '' } }),
      expected: [{ path: 'goal.match.event', message: 'the goal needs an event name' }],
    },
    {
      problem: 'a goal target over 100 %',
      change: (j) => (j.goal = { match: { event: 'Application_Completed' }, targetPercent: 150 }),
      expected: [{ path: 'goal.targetPercent', message: 'targetPercent must be between 0 and 100, not 150' }],
    },
    // --- steps in general
    { problem: 'no steps at all', change: (j) => (j.steps = []), expected: [{ path: 'steps', message: 'journey needs at least one step' }] },
    {
      problem: 'a step key used twice (the step it replaced is then unknown)',
      change: (j) => (j.steps[1].key = 'wait_for_completion'),
      expected: [
        { path: 'steps[0].hold.timeoutNext', message: 'step "wait_for_completion" points to unknown step "application_nudge"' },
        { path: 'steps[1].key', message: 'step key "wait_for_completion" is already used by steps[0]' },
      ],
    },
    {
      problem: 'a step key with a space',
      change: (j) => {
        j.steps[1].key = 'application nudge';
        hold(j).timeoutNext = 'application nudge';
      },
      expected: [{ path: 'steps[1].key', message: 'step key "application nudge" may only contain letters, digits, _ and -' }],
    },
    {
      problem: 'a step key over 255 characters',
      change: (j) => {
        j.steps[1].key = 'k'.repeat(256);
        hold(j).timeoutNext = 'k'.repeat(256);
      },
      expected: [{ path: 'steps[1].key', message: `step key "${'k'.repeat(57)}..." is 256 characters long; the limit is 255` }],
    },
    {
      problem: 'a step without a name',
      change: (j) => (j.steps[1].name = ''),
      expected: [{ path: 'steps[1].name', message: 'step "application_nudge" needs a name' }],
    },
    {
      problem: 'a step name over 170 characters',
      change: (j) => (j.steps[1].name = 's'.repeat(171)),
      expected: [{ path: 'steps[1].name', message: 'name of step "application_nudge" is 171 characters long; the limit is 170' }],
    },
    {
      problem: "a step without its type's configuration, which leaves what follows it unreachable",
      change: (j) => (j.steps[0].hold = null),
      expected: [
        { path: 'steps[0].hold', message: 'HOLD_UNTIL step "wait_for_completion" needs hold' },
        { path: 'steps[1]', message: 'step "application_nudge" cannot be reached from the start step "wait_for_completion"' },
      ],
    },
    {
      problem: "configuration of another step type",
      change: (j) => (j.steps[1].wait = { duration: 'PT1H' }),
      expected: [{ path: 'steps[1].wait', message: 'SEND step "application_nudge" takes no wait' }],
    },
    {
      problem: 'next on a step that chooses its way out itself',
      change: (j) => (j.steps[0].next = 'application_nudge'),
      expected: [{ path: 'steps[0].next', message: `HOLD_UNTIL step "wait_for_completion" takes no next; use its branches' next and timeoutNext` }],
    },
    // --- the step graph
    {
      problem: 'a reference to an unknown step key',
      change: (j) => (j.steps[1].next = 'thank_you'),
      expected: [{ path: 'steps[1].next', message: 'step "application_nudge" points to unknown step "thank_you"' }],
    },
    {
      problem: 'an unreachable step',
      change: (j) => j.steps.push({ key: 'orphan', name: 'Orphan', type: 'END' }),
      expected: [{ path: 'steps[2]', message: 'step "orphan" cannot be reached from the start step "wait_for_completion"' }],
    },
    {
      problem: 'an unknown start step',
      change: (j) => (j.startStep = 'begin'),
      expected: [{ path: 'startStep', message: 'start step "begin" is not a step of this journey' }],
    },
    {
      problem: 'a cycle without a hold or wait',
      change: (j) => {
        between(j, split({ filters: [{ path: 'entry.properties.Tier', operator: 'EQUALS', values: ['Premium'] }] }));
        j.steps[2].next = 'check_tier';
      },
      expected: [
        {
          path: 'steps[1]',
          message: 'steps "check_tier", "application_nudge" form a loop with no HOLD_UNTIL, WAIT, WAIT_UNTIL or WAIT_FOR_CONDITION step, so an instance would go round it forever',
        },
      ],
    },
    {
      problem: 'a step that leads back to itself',
      change: (j) => (j.steps[1].next = 'application_nudge'),
      expected: [
        {
          path: 'steps[1]',
          message: 'step "application_nudge" leads back to itself with no HOLD_UNTIL, WAIT, WAIT_UNTIL or WAIT_FOR_CONDITION step, so an instance would go round it forever',
        },
      ],
    },
    // --- HOLD_UNTIL
    {
      problem: 'a hold without branches',
      change: (j) => (hold(j).branches = []),
      expected: [{ path: 'steps[0].hold.branches', message: 'step "wait_for_completion" needs at least one branch to wait for' }],
    },
    {
      problem: 'a hold branch key used twice',
      change: (j) => hold(j).branches.push({ key: 'completed', match: { event: 'Application_Withdrawn' } }),
      expected: [{ path: 'steps[0].hold.branches[1].key', message: 'branch key "completed" is used twice in step "wait_for_completion"' }],
    },
    {
      problem: 'a hold branch without a key',
      change: (j) => (hold(j).branches[0].key = ''),
      expected: [{ path: 'steps[0].hold.branches[0].key', message: 'branch 1 of step "wait_for_completion" needs a key' }],
    },
    {
      problem: 'a hold branch without an event name',
      change: (j) => (hold(j).branches[0].match.event = ''),
      expected: [{ path: 'steps[0].hold.branches[0].match.event', message: 'branch "completed" of step "wait_for_completion" needs an event name' }],
    },
    {
      problem: 'a hold without a maxDuration',
      change: (j) => (hold(j).maxDuration = ''),
      expected: [{ path: 'steps[0].hold.maxDuration', message: 'step "wait_for_completion" needs a maxDuration such as PT1H or P3D' }],
    },
    {
      problem: 'an update event without an event name (Cart_Modified style)',
      change: (j) => (hold(j).updateEvents = [{ event: '' }]),
      expected: [{ path: 'steps[0].hold.updateEvents[0].event', message: 'update event 1 of step "wait_for_completion" needs an event name' }],
    },
    // --- WAIT and WAIT_FOR_CONDITION
    {
      problem: 'a WAIT duration that is not ISO-8601',
      change: (j) => between(j, { key: 'pause', name: 'Pause', type: 'WAIT', wait: { duration: '1 day' }, next: 'application_nudge' }),
      expected: [{ path: 'steps[1].wait.duration', message: 'duration "1 day" of step "pause" is not a positive ISO-8601 duration such as PT5S, PT1H or P3D' }],
    },
    {
      problem: 'a WAIT_FOR_CONDITION timeoutNext without a maxDuration, which would never be taken',
      change: (j) =>
        between(j, {
          key: 'until_premium',
          name: 'Until premium',
          type: 'WAIT_FOR_CONDITION',
          next: 'application_nudge',
          waitForCondition: { condition: { filters: [{ path: 'traits.plan', operator: 'EQUALS', values: ['premium'] }] }, timeoutNext: 'application_nudge' },
        }),
      expected: [{ path: 'steps[1].waitForCondition.timeoutNext', message: 'step "until_premium" has a timeoutNext but no maxDuration, so it never times out' }],
    },
    // --- conditions
    {
      problem: 'a condition with neither filters nor performed clauses',
      change: (j) => between(j, split({ match: 'ALL' })),
      expected: [{ path: 'steps[1].split.condition', message: 'step "check_tier" needs at least one filter or performed clause in its condition' }],
    },
    {
      problem: 'a condition path outside the journey context',
      change: (j) => between(j, split({ filters: [{ path: 'properties.Tier', operator: 'EXISTS' }] })),
      expected: [
        {
          path: 'steps[1].split.condition.filters[0].path',
          message: 'condition path "properties.Tier" must start with one of userId, journey, instance, entry, events, traits',
        },
      ],
    },
    {
      problem: 'a performed clause without an event name',
      change: (j) => between(j, split({ performed: [{ event: '', atLeast: 1 }] })),
      expected: [{ path: 'steps[1].split.condition.performed[0].event', message: 'performed clause needs an event name' }],
    },
    {
      problem: 'negative performed counts',
      change: (j) => between(j, split({ performed: [{ event: 'Application_Saved', atLeast: -1 }] })),
      expected: [{ path: 'steps[1].split.condition.performed[0].atLeast', message: 'atLeast must be a whole number, 0 or more, not -1' }],
    },
    {
      problem: 'atLeast above atMost, which can never hold',
      change: (j) => between(j, split({ performed: [{ event: 'Application_Saved', atLeast: 3, atMost: 1 }] })),
      expected: [{ path: 'steps[1].split.condition.performed[0].atLeast', message: 'atLeast (3) is more than atMost (1), so the clause can never hold' }],
    },
    {
      problem: 'a performed window that is not ISO-8601',
      change: (j) => between(j, split({ performed: [{ event: 'Application_Saved', atLeast: 1, within: '1 day' }] })),
      expected: [
        { path: 'steps[1].split.condition.performed[0].within', message: 'within "1 day" of the performed clause is not a positive ISO-8601 duration such as PT5S, PT1H or P3D' },
      ],
    },
    {
      problem: 'a MULTI_BRANCH without branches',
      change: (j) => between(j, { key: 'by_tier', name: 'By tier', type: 'MULTI_BRANCH', multiBranch: { branches: [], elseNext: 'application_nudge' } }),
      expected: [{ path: 'steps[1].multiBranch.branches', message: 'step "by_tier" needs at least one branch' }],
    },
    // --- SEND
    {
      problem: 'a send step without a destination',
      change: (j) => (send(j).destinationId = ''),
      expected: [{ path: 'steps[1].send.destinationId', message: 'step "application_nudge" needs a destinationId' }],
    },
    {
      problem: 'a send step without an action',
      change: (j) => (send(j).action = ''),
      expected: [{ path: 'steps[1].send.action', message: 'step "application_nudge" needs an action' }],
    },
    {
      problem: 'a mapping that is not an object',
      change: (j) => (send(j).mapping = ['not', 'an', 'object']),
      expected: [{ path: 'steps[1].send.mapping', message: `mapping of step "application_nudge" must be a JSON object keyed by the action's fields` }],
    },
    {
      problem: 'a destination the workspace does not have',
      change: (j) => (send(j).destinationId = UNKNOWN_ID),
      expected: [{ path: 'steps[1].send.destinationId', message: `step "application_nudge" sends to unknown destination "${UNKNOWN_ID}"` }],
    },
    {
      problem: 'an action the plugin does not have',
      change: (j) => (send(j).action = 'post'),
      expected: [{ path: 'steps[1].send.action', message: 'plugin "webhook" has no action "post" (its actions: "send")' }],
    },
    {
      problem: 'a required action field left unmapped (tracking-api track needs an event)',
      change: (j, ids) => Object.assign(send(j), { destinationId: ids.trackingApiId, action: 'track', mapping: { properties: { '@path': '$.entry.properties' } } }),
      expected: [{ path: 'steps[1].send.mapping.event', message: 'step "application_nudge" (action "track") does not map the required field "event"' }],
    },
    {
      problem: 'a mapping path that cannot exist in any journey context',
      change: (j) => (send(j).mapping = { data: { email: { '@path': '$.trait.email' } } }),
      expected: [{ path: 'steps[1].send.mapping.data.email', message: /^\$\.trait\.email: the journey context has no "trait"/ }],
    },
    {
      problem: 'a mapping directive that does not exist',
      change: (j) => (send(j).mapping = { data: { email: { '@pth': '$.traits.email' } } }),
      expected: [{ path: 'steps[1].send.mapping.data.email', message: '@pth is not a mapping directive; use one of @path, @template, @if, @case, @replace, @arrayPath, @merge, @json, @literal, @flatten' }],
    },
    {
      problem: 'every problem of the directives of a mapping, each at its own path',
      change: (j) =>
        (send(j).mapping = {
          data: {
            email: { '@case': { operator: 'lowercase', value: { '@path': '$.traits.email' } } },
            name: { '@if': { exists: { '@path': '$.traits.nick' }, then: { '@path': '$.trait.nick' }, otherwise: 'x' } },
            items: { '@arrayPath': ['$.entry.properties.items', { id: { '@path': 'productId' } }] },
            greeting: { '@template': 'Hi {{traits.first_name | upcase}}' },
          },
        }),
      expected: [
        { path: 'steps[1].send.mapping.data.email', message: '@case operator must be one of "lower", "upper", got "lowercase"' },
        { path: 'steps[1].send.mapping.data.name', message: '@if has the unknown option "otherwise" (options: exists, blank, then, else)' },
        { path: 'steps[1].send.mapping.data.items.@arrayPath[1].id', message: /^@path "productId" must start with "\$\."/ },
        { path: 'steps[1].send.mapping.data.greeting', message: /uses the unknown filter "upcase"/ },
        { path: 'steps[1].send.mapping.data.name.@if.then', message: /^\$\.trait\.nick: the journey context has no "trait"/ },
      ],
    },
  ];

  it.each(cases)('reports $problem', async ({ change, expected }) => {
    const problems = await itinera.journeys.validate(journey(change));
    expect(problems).toEqual(expected.map(({ path, message }) => ({ path, message: typeof message === 'string' ? message : expect.stringMatching(message) })));
  });

  it('checks send steps against the destinations of the caller’s workspace only', async () => {
    const other = await itinera.createWorkspace('other');
    const othersWebhook = await createDestination(itinera, 'webhook', other.graphql);
    const problems = await itinera.journeys.validate(journey((j) => (send(j).destinationId = othersWebhook)));
    expect(problems).toEqual([{ path: 'steps[1].send.destinationId', message: `step "application_nudge" sends to unknown destination "${othersWebhook}"` }]);
  });

  it('accepts an AUDIENCE trigger on a known audience with historical data', async () => {
    const input = journey((j) => {
      j.trigger = { type: 'AUDIENCE', audienceId, useHistoricalData: true };
      j.entry = { mode: 'ONCE' };
    });
    expect(await itinera.journeys.validate(input)).toEqual([]);
  });
});
