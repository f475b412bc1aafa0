import { evaluateCondition } from '../condition';
import type { Condition } from '../definition';
import { checkCondition } from '../filter-validation';
import { compact, list, normalizeCondition, orUndefined, type ConditionInputShape, type Nullable } from '../input-normalizing';
import { quote } from '../problem';
import { recordActivity } from '../transition';
import { checkBranchKeys, type StepModule, type StepReference } from './step-module';

export interface ConditionBranch {
  key: string;
  condition: Condition;
  next?: string;
}

export interface MultiBranchConfig {
  branches: ConditionBranch[];
  elseNext?: string;
}

/** Takes the first branch whose condition holds, else `elseNext`, at once. */
export interface MultiBranchStep {
  key: string;
  name: string;
  type: 'MULTI_BRANCH';
  multiBranch: MultiBranchConfig;
}

export interface MultiBranchInputShape {
  branches: readonly { key: string; condition: ConditionInputShape; next?: Nullable<string> }[];
  elseNext?: Nullable<string>;
}

export const multiBranchStep: StepModule<MultiBranchStep, MultiBranchConfig, MultiBranchInputShape> = {
  type: 'MULTI_BRANCH',
  configKey: 'multiBranch',
  takesNext: false,
  nextAdvice: "use its branches' next and elseNext",
  pauses: false,

  normalize: (multiBranch) =>
    compact({
      branches: list(multiBranch.branches).map((branch) =>
        compact({ key: branch?.key ?? '', condition: normalizeCondition(branch?.condition), next: orUndefined(branch?.next) }),
      ),
      elseNext: orUndefined(multiBranch.elseNext),
    }) as MultiBranchConfig,

  validate(multiBranch, { path, label }, _ctx, report) {
    const at = `${path}.multiBranch.branches`;
    const branches = list(multiBranch.branches);
    if (branches.length === 0) report(at, `${label} needs at least one branch`);
    checkBranchKeys(branches, at, label, report);
    branches.forEach((branch, j) => checkCondition(branch?.condition, `${at}[${j}].condition`, `branch ${quote(branch?.key)} of ${label}`, report));
  },

  references(multiBranch) {
    const references: StepReference[] = [];
    list(multiBranch?.branches).forEach((branch, j) => {
      if (branch?.next !== undefined) references.push({ path: `branches[${j}].next`, target: branch.next });
    });
    if (multiBranch?.elseNext !== undefined) references.push({ path: 'elseNext', target: multiBranch.elseNext });
    return references;
  },

  /** As the reference product counts: each branch is a step. */
  countedAs: (multiBranch) => list(multiBranch?.branches).length,

  events: (step) => step.multiBranch.branches.flatMap((branch) => branch.condition.performed.map((clause) => clause.event)),
  conditions: (step) => step.multiBranch.branches.map((branch) => branch.condition),

  enter(t, step) {
    const taken = step.multiBranch.branches.find((branch) => evaluateCondition(branch.condition, t.state.context, t.facts));
    recordActivity(t, 'BRANCH_TAKEN', step.key, { branch: taken ? taken.key : 'else' });
    return { kind: 'next', next: taken ? taken.next : step.multiBranch.elseNext };
  },
};
