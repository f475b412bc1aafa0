import { evaluateCondition } from '../condition';
import type { Condition } from '../definition';
import { checkCondition } from '../filter-validation';
import { compact, normalizeCondition, orUndefined, type ConditionInputShape, type Nullable } from '../input-normalizing';
import { recordActivity } from '../transition';
import type { StepModule, StepReference } from './step-module';

export interface SplitConfig {
  condition: Condition;
  trueNext?: string;
  falseNext?: string;
}

/** Takes `trueNext` when its condition holds, `falseNext` otherwise, at once. */
export interface SplitStep {
  key: string;
  name: string;
  type: 'SPLIT';
  split: SplitConfig;
}

export interface SplitInputShape {
  condition: ConditionInputShape;
  trueNext?: Nullable<string>;
  falseNext?: Nullable<string>;
}

export const splitStep: StepModule<SplitStep, SplitConfig, SplitInputShape> = {
  type: 'SPLIT',
  configKey: 'split',
  takesNext: false,
  nextAdvice: 'use trueNext and falseNext',
  pauses: false,

  normalize: (split) =>
    compact({
      condition: normalizeCondition(split.condition),
      trueNext: orUndefined(split.trueNext),
      falseNext: orUndefined(split.falseNext),
    }),

  validate(split, { path, label }, _ctx, report) {
    checkCondition(split.condition, `${path}.split.condition`, label, report);
  },

  references(split) {
    const references: StepReference[] = [];
    if (split?.trueNext !== undefined) references.push({ path: 'trueNext', target: split.trueNext });
    if (split?.falseNext !== undefined) references.push({ path: 'falseNext', target: split.falseNext });
    return references;
  },

  events: (step) => step.split.condition.performed.map((clause) => clause.event),
  conditions: (step) => [step.split.condition],

  enter(t, step) {
    const holds = evaluateCondition(step.split.condition, t.state.context, t.facts);
    recordActivity(t, 'BRANCH_TAKEN', step.key, { branch: holds ? 'true' : 'false' });
    return { kind: 'next', next: holds ? step.split.trueNext : step.split.falseNext };
  },
};
