import { journey, problemsOf, withSplit } from './journey-validation.fixture';

describe('validateJourneyDraft: filters and conditions', () => {
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

    it.each(['properties.cart_ID', 'properties.checkout_cart[0].productId', 'context.page.path', 'context.traits.email', 'userId', 'event', 'timestamp'])(
      'accepts the event path %j',
      (path) => {
        expect(problemsOf(withTriggerFilter({ path, operator: 'EXISTS' }))).toEqual([]);
      },
    );

    it.each(['cart_ID', 'properties', 'userId.first', 'entry.properties.total', 'anonymousId'])('refuses the event path %j that leaves the event', (path) => {
      expect(problemsOf(withTriggerFilter({ path, operator: 'EXISTS' }))).toEqual([
        {
          path: 'trigger.event.filters[0].path',
          message: `filter path ${JSON.stringify(path)} must start with properties., context., userId, event or timestamp`,
        },
      ]);
    });

    it('refuses a traits path in an event filter, which the engine could never match, and says where traits are read', () => {
      expect(problemsOf(withTriggerFilter({ path: 'traits.plan', operator: 'EQUALS', values: ['pro'] }))).toEqual([
        {
          path: 'trigger.event.filters[0].path',
          message: `filter path "traits.plan" must start with properties., context., userId, event or timestamp; an event carries no traits: read the profile's in a condition step`,
        },
      ]);
    });

    it.each(['0x10', '0b1', '0o7', 'Infinity', '1_000'])('refuses %j for a numeric operator, as the engine would never compare it as a number', (value) => {
      expect(problemsOf(withTriggerFilter({ path: 'properties.total', operator: 'GT', values: [value] }))).toEqual([
        { path: 'trigger.event.filters[0].values', message: `filter on "properties.total": GT compares numbers, and ${JSON.stringify(value)} is not one` },
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
      const performed = [{ event: 'Order Completed', filters: [{ path: 'context.traits.email', operator: 'EXISTS' as const }, { path: 'entry.total', operator: 'EXISTS' as const }] }];
      expect(problemsOf(withSplit({ performed }))).toEqual([
        {
          path: 'steps[2].split.condition.performed[0].filters[1].path',
          message: 'filter path "entry.total" must start with properties., context., userId, event or timestamp',
        },
      ]);
    });
  });
});
