import { createHash } from 'node:crypto';
import { compact, list, orUndefined, type Nullable } from '../input-normalizing';
import { quote } from '../problem';
import { recordActivity } from '../transition';
import { checkBranchKeys, type StepModule, type StepReference } from './step-module';

export interface WeightedBranch {
  key: string;
  /** A whole number, 1 or more: the branch's share is its weight over the sum of all weights (control included). */
  weight: number;
  next?: string;
}

export interface RandomSplitConfig {
  branches: WeightedBranch[];
  /** The weight of a control group whose instances take no branch and just complete; none when absent. */
  controlWeight?: number;
}

/** A/B/n: sends each instance down one branch at random by weight, the same branch every time for that instance. */
export interface RandomSplitStep {
  key: string;
  name: string;
  type: 'RANDOM_SPLIT';
  randomSplit: RandomSplitConfig;
}

export interface RandomSplitInputShape {
  branches: readonly { key: string; weight: number; next?: Nullable<string> }[];
  controlWeight?: Nullable<number>;
}

/** The branch key the control group is recorded under (activity records, stats). */
export const CONTROL_BRANCH = 'control';
/** Keeps sums of weights exact in a double and a draw's rounding negligible. */
const MAX_WEIGHT = 1_000_000;

export const randomSplitStep: StepModule<RandomSplitStep, RandomSplitConfig, RandomSplitInputShape> = {
  type: 'RANDOM_SPLIT',
  configKey: 'randomSplit',
  takesNext: false,
  nextAdvice: "use its branches' next",
  pauses: false,

  normalize: (split) =>
    compact({
      branches: list(split.branches).map((branch) => compact({ key: branch?.key ?? '', weight: branch?.weight, next: orUndefined(branch?.next) })),
      controlWeight: orUndefined(split.controlWeight),
    }) as RandomSplitConfig,

  validate(split, { path, label }, _ctx, report) {
    const at = `${path}.randomSplit`;
    const branches = list(split.branches);
    const withControl = split.controlWeight !== undefined;
    if (branches.length + (withControl ? 1 : 0) < 2) report(`${at}.branches`, `${label} needs at least two branches, or one and a control group`);
    checkBranchKeys(branches, `${at}.branches`, label, report);
    branches.forEach((branch, j) => {
      if (!isWeight(branch?.weight)) report(`${at}.branches[${j}].weight`, weightProblem(`branch ${quote(branch?.key)} of ${label}`, branch?.weight));
      if (withControl && branch?.key === CONTROL_BRANCH) report(`${at}.branches[${j}].key`, `${label} has a control group, so no branch may be called ${quote(CONTROL_BRANCH)}`);
    });
    if (withControl && !isWeight(split.controlWeight)) report(`${at}.controlWeight`, weightProblem(`the control group of ${label}`, split.controlWeight));
  },

  references(split) {
    const references: StepReference[] = [];
    list(split?.branches).forEach((branch, j) => {
      if (branch?.next !== undefined) references.push({ path: `branches[${j}].next`, target: branch.next });
    });
    return references;
  },

  /** Like a MULTI_BRANCH, each way out counts, the control group too. */
  countedAs: (split) => list(split?.branches).length + (split?.controlWeight !== undefined ? 1 : 0),

  events: () => [],

  enter(t, step) {
    const taken = chooseBranch(step.randomSplit, t.state.id, step.key);
    recordActivity(t, 'BRANCH_TAKEN', step.key, { branch: taken ? taken.key : CONTROL_BRANCH });
    return { kind: 'next', next: taken?.next };
  },
};

/**
 * The branch an instance takes, or null for the control group: a point in [0, total weight) drawn from a
 * hash of the instance id and step key, so a redelivered job (or a later visit) takes the same branch.
 */
export function chooseBranch(split: RandomSplitConfig, instanceId: string, stepKey: string): WeightedBranch | null {
  const total = split.branches.reduce((sum, branch) => sum + branch.weight, 0) + (split.controlWeight ?? 0);
  let point = unitInterval(`${instanceId}:${stepKey}`) * total;
  for (const branch of split.branches) {
    if (point < branch.weight) return branch;
    point -= branch.weight;
  }
  return split.controlWeight !== undefined ? null : split.branches[split.branches.length - 1];
}

/** A number in [0, 1) from the first 48 bits of the text's SHA-256: uniform, and the same for the same text. */
function unitInterval(text: string): number {
  return createHash('sha256').update(text).digest().readUIntBE(0, 6) / 2 ** 48;
}

function isWeight(weight: unknown): weight is number {
  return Number.isInteger(weight) && (weight as number) >= 1 && (weight as number) <= MAX_WEIGHT;
}

function weightProblem(what: string, weight: unknown): string {
  return `weight of ${what} must be a whole number from 1 to ${MAX_WEIGHT}, not ${JSON.stringify(weight) ?? 'none'}`;
}
