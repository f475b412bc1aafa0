import { evaluateCondition, performedClausesOf } from '../condition';
import type { Condition } from '../definition';
import { checkCondition, checkDuration } from '../filter-validation';
import { compact, normalizeCondition, orUndefined, type ConditionInputShape, type Nullable } from '../input-normalizing';
import { nextPerformedChangeAt } from '../performed-timing';
import { recordActivity, scheduleTimer, type Transition } from '../transition';
import type { StepModule, StepOutcome, StepReference } from './step-module';

export interface WaitForConditionConfig {
  condition: Condition;
  maxDuration?: string;
  timeoutNext?: string;
}

/** Waits until its condition holds (re-checked on events, trait changes and sliding windows), or times out. */
export interface WaitForConditionStep {
  key: string;
  name: string;
  type: 'WAIT_FOR_CONDITION';
  waitForCondition: WaitForConditionConfig;
  /** Taken when the condition holds. */
  next?: string;
}

export interface WaitForConditionInputShape {
  condition: ConditionInputShape;
  maxDuration?: Nullable<string>;
  timeoutNext?: Nullable<string>;
}

export const waitForConditionStep: StepModule<WaitForConditionStep, WaitForConditionConfig, WaitForConditionInputShape> = {
  type: 'WAIT_FOR_CONDITION',
  configKey: 'waitForCondition',
  takesNext: true,
  pauses: true,

  normalize: (config) =>
    compact({
      condition: normalizeCondition(config.condition),
      maxDuration: orUndefined(config.maxDuration),
      timeoutNext: orUndefined(config.timeoutNext),
    }),

  validate(config, { path, label }, _ctx, report) {
    const at = `${path}.waitForCondition`;
    checkCondition(config.condition, `${at}.condition`, label, report);
    if (config.maxDuration !== undefined) checkDuration(config.maxDuration, `${at}.maxDuration`, 'maxDuration', label, report);
    else if (config.timeoutNext !== undefined) report(`${at}.timeoutNext`, `${label} has a timeoutNext but no maxDuration, so it never times out`);
  },

  references: (config): StepReference[] => (config?.timeoutNext !== undefined ? [{ path: 'timeoutNext', target: config.timeoutNext }] : []),

  events: (step) => step.waitForCondition.condition.performed.map((clause) => clause.event),
  conditions: (step) => [step.waitForCondition.condition],

  enter(t, step) {
    const met = conditionMet(t, step);
    if (met) return met;
    if (step.waitForCondition.maxDuration) scheduleTimer(t, 'CONDITION_TIMEOUT', step.key, step.waitForCondition.maxDuration);
    return { kind: 'stop' };
  },

  onEvent: (t, step) => conditionMet(t, step),
  onRefresh: (t, step) => conditionMet(t, step),

  /** A window can make the condition hold with no new event; only clauses with a window move by time. */
  wakeAt(step, facts, afterEvent) {
    const windowed = performedClausesOf(step.waitForCondition.condition).filter((clause) => clause.within);
    if (windowed.length === 0 || (afterEvent !== undefined && !windowed.some((clause) => clause.event === afterEvent))) return null;
    return nextPerformedChangeAt(windowed, facts.performedTimes, Date.parse(facts.now));
  },

  onTimer(t, step, timer) {
    if (timer.kind !== 'CONDITION_TIMEOUT') return null;
    // Windows slide without any event: a condition that holds by the deadline counts as met, not timed out.
    const met = conditionMet(t, step);
    if (met) return met;
    recordActivity(t, 'BRANCH_TAKEN', step.key, { branch: 'timeout' });
    return { kind: 'next', next: step.waitForCondition.timeoutNext };
  },
};

function conditionMet(t: Transition, step: WaitForConditionStep): StepOutcome | null {
  if (!evaluateCondition(step.waitForCondition.condition, t.state.context, t.facts)) return null;
  recordActivity(t, 'BRANCH_TAKEN', step.key, { branch: 'met' });
  return { kind: 'next', next: step.next };
}
