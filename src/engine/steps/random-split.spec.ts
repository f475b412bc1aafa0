import type { JourneyDraft } from '../definition';
import { validateDraftDefinition } from '../draft-validation';
import { activityTypes, endStep, journey, later, seed, sendStep, start, track } from '../seed-events.fixture';
import { startInstance } from '../start-instance';
import { chooseBranch, type RandomSplitConfig } from './random-split';

const abTest: RandomSplitConfig = {
  branches: [
    { key: 'email', weight: 50, next: 'send_email' },
    { key: 'sms', weight: 30, next: 'send_sms' },
  ],
  controlWeight: 20,
};

const trialSplit = journey('Trial_Started', [
  { key: 'split_channels', name: 'Split channels', type: 'RANDOM_SPLIT', randomSplit: abTest },
  sendStep('send_email', 'done'),
  sendStep('send_sms', 'done'),
  endStep,
]);

describe('RANDOM_SPLIT', () => {
  it('keeps the shares within a percentage point or two of the weights over 10,000 instances', () => {
    const taken = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const key = chooseBranch(abTest, `instance-${i}`, 'split_channels')?.key ?? 'control';
      taken.set(key, (taken.get(key) ?? 0) + 1);
    }
    expect(Math.abs(taken.get('email')! / 10_000 - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(taken.get('sms')! / 10_000 - 0.3)).toBeLessThan(0.02);
    expect(Math.abs(taken.get('control')! / 10_000 - 0.2)).toBeLessThan(0.02);
  });

  it('takes the same branch for the same instance every time, so a redelivered job changes nothing', () => {
    const first = start(trialSplit, track(seed.trialStarted747));
    const again = start(trialSplit, track(seed.trialStarted747, later(60)));
    expect(again.activities.find((a) => a.type === 'BRANCH_TAKEN')?.detail).toEqual(first.activities.find((a) => a.type === 'BRANCH_TAKEN')?.detail);
  });

  it('records the branch taken and runs its steps at once; the control group just completes', () => {
    const outcomes = new Map<string, string[]>();
    for (let i = 0; outcomes.size < 3 && i < 200; i++) {
      const result = startInstance(trialSplit, { id: 'journey-1', name: 'Trial', version: 1 }, { instanceId: `inst-${i}` }, track(seed.trialStarted747), null, {
        now: later(0),
        traits: {},
        performedTimes: {},
      });
      const branch = result.activities.find((a) => a.type === 'BRANCH_TAKEN')!.detail!.branch as string;
      outcomes.set(branch, [result.state.status, ...result.deliveries.map((d) => d.stepKey)]);
    }
    expect(Object.fromEntries(outcomes)).toEqual({
      email: ['COMPLETED', 'send_email'],
      sms: ['COMPLETED', 'send_sms'],
      control: ['COMPLETED'],
    });
  });

  it('records entering the split like any step', () => {
    expect(activityTypes(start(trialSplit, track(seed.trialStarted747)))).toContain('BRANCH_TAKEN');
  });

  describe('validation', () => {
    const limits = { maxCountedSteps: 20, maxStepNameLength: 170, maxStepKeyLength: 255 };
    const draftWith = (randomSplit: unknown): JourneyDraft => ({
      trigger: { type: 'EVENT', event: { event: 'Trial_Started', filters: [] }, useHistoricalData: false },
      entry: { mode: 'REENTER_EVERY_TIME' },
      exit: [],
      steps: [
        { key: 'split_channels', name: 'Split channels', type: 'RANDOM_SPLIT', randomSplit } as never,
        { key: 'send_email', name: 'Send email', type: 'END' },
      ],
    });
    const problemsOf = (randomSplit: unknown) => validateDraftDefinition(draftWith(randomSplit), { limits }).problems;

    it('accepts one branch and a control group, and counts both against the step limit', () => {
      const { problems, definition } = validateDraftDefinition(draftWith({ branches: [{ key: 'email', weight: 1, next: 'send_email' }], controlWeight: 1 }), {
        limits: { ...limits, maxCountedSteps: 2 },
      });
      expect(problems).toEqual([{ path: 'steps', message: 'journey has 3 counted steps (a MULTI_BRANCH counts its branches); the limit is 2' }]);
      expect(definition).toBeUndefined();
      expect(problemsOf({ branches: [{ key: 'email', weight: 1, next: 'send_email' }], controlWeight: 1 })).toEqual([]);
    });

    it('reports every problem with its path: too few branches, weights that are not whole numbers, a branch named control', () => {
      expect(problemsOf({ branches: [{ key: 'email', weight: 1, next: 'send_email' }] })).toEqual([
        { path: 'steps[0].randomSplit.branches', message: 'step "split_channels" needs at least two branches, or one and a control group' },
      ]);
      expect(
        problemsOf({
          branches: [
            { key: 'email', weight: 0.5, next: 'send_email' },
            { key: 'control', weight: 1 },
            { key: 'email', weight: 2, next: 'nowhere' },
          ],
          controlWeight: 0,
        }),
      ).toEqual([
        { path: 'steps[0].randomSplit.branches[2].key', message: 'branch key "email" is used twice in step "split_channels"' },
        { path: 'steps[0].randomSplit.branches[0].weight', message: 'weight of branch "email" of step "split_channels" must be a whole number from 1 to 1000000, not 0.5' },
        { path: 'steps[0].randomSplit.branches[1].key', message: 'step "split_channels" has a control group, so no branch may be called "control"' },
        { path: 'steps[0].randomSplit.controlWeight', message: 'weight of the control group of step "split_channels" must be a whole number from 1 to 1000000, not 0' },
        { path: 'steps[0].randomSplit.branches[2].next', message: 'step "split_channels" points to unknown step "nowhere"' },
      ]);
    });
  });
});
