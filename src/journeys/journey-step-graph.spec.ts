import { DEFAULT_JOURNEY_LIMITS } from './journey-limits';
import { applicationAbandonment, endStep, journey, problemsOf, sendStep, validate } from './journey-validation.fixture';

describe('validateJourneyDraft: the step graph', () => {
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
            'steps "application_nudge", "second_nudge" form a loop with no HOLD_UNTIL, WAIT, WAIT_UNTIL or WAIT_FOR_CONDITION step, so an instance would go round it forever',
        },
      ]);
    });

    it('refuses a step that leads straight back to itself', () => {
      expect(problemsOf(journey((input) => (input.steps[1].next = 'application_nudge')))).toEqual([
        {
          path: 'steps[1]',
          message: 'step "application_nudge" leads back to itself with no HOLD_UNTIL, WAIT, WAIT_UNTIL or WAIT_FOR_CONDITION step, so an instance would go round it forever',
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
