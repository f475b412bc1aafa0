import type { Problem } from '../engine/definition';
import { applicationAbandonment, destinations, Input, journey, problemsOf, sendStep, Step } from './journey-validation.fixture';

describe('validateJourneyDraft: steps', () => {
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
});
