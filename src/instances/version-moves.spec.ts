import type { JourneyDefinition, JourneyStep } from '../engine';
import { movableStepKeys } from './version-moves';

const definition = (steps: unknown[]): JourneyDefinition => ({
  trigger: { type: 'EVENT', event: { event: 'Started', filters: [] }, useHistoricalData: false },
  entry: { mode: 'REENTER_EVERY_TIME' },
  exit: [],
  startStep: (steps[0] as JourneyStep).key,
  steps: steps as JourneyStep[],
});
const condition = { match: 'ALL', filters: [{ path: 'traits.plan', operator: 'EQUALS', values: ['paid'] }], performed: [] };
const hold = (key: string, maxDuration: string) => ({ key, name: key, type: 'HOLD_UNTIL', hold: { branches: [], maxDuration, timeoutNext: 'end' } });
const waitForPlan = (maxDuration?: string) => ({ key: 'plan', name: 'plan', type: 'WAIT_FOR_CONDITION', waitForCondition: { condition, maxDuration } });
const end = { key: 'end', name: 'end', type: 'END' };

describe('movableStepKeys', () => {
  it('keeps the steps whose key persists with the same type, whatever else changed', () => {
    const from = definition([hold('hold', 'PT1H'), { key: 'pause', name: 'pause', type: 'WAIT', wait: { duration: 'PT1H' }, next: 'end' }, end]);
    const to = definition([hold('hold', 'P1D'), hold('pause', 'PT1H'), end]);
    expect(movableStepKeys(from, to)).toEqual(['hold', 'end']);
  });

  it('leaves out a removed step', () => {
    expect(movableStepKeys(definition([hold('gone', 'PT1H'), end]), definition([end]))).toEqual(['end']);
  });

  it('leaves out a condition wait whose deadline the new version drops, since its pending timer would take an absent timeout path', () => {
    expect(movableStepKeys(definition([waitForPlan('PT1H'), end]), definition([waitForPlan(), end]))).toEqual(['end']);
    expect(movableStepKeys(definition([waitForPlan(), end]), definition([waitForPlan('PT1H'), end]))).toEqual(['plan', 'end']);
    expect(movableStepKeys(definition([waitForPlan('PT1H'), end]), definition([waitForPlan('P2D'), end]))).toEqual(['plan', 'end']);
  });
});
