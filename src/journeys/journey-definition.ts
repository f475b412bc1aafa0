/**
 * The journey model as plain data. Two shapes:
 * - `JourneyDraft` is what the admin API stores for a draft: every step has its type and whichever
 *   configuration blocks the author filled in, so an unfinished canvas can be saved.
 * - `JourneyDefinition` is what `validateJourneyDraft` returns once nothing is wrong: a discriminated
 *   union the engine can rely on (each step carries exactly the configuration its type needs).
 */

export const FILTER_OPERATORS = [
  'EQUALS',
  'EQUALS_ANY_OF',
  'NOT_EQUALS',
  'EXISTS',
  'NOT_EXISTS',
  'GT',
  'GTE',
  'LT',
  'LTE',
  'CONTAINS',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export const STEP_TYPES = ['HOLD_UNTIL', 'WAIT', 'WAIT_FOR_CONDITION', 'SPLIT', 'MULTI_BRANCH', 'SEND', 'END'] as const;
export type StepType = (typeof STEP_TYPES)[number];

export type JourneyStatus = 'DRAFT' | 'PUBLISHED' | 'PAUSED' | 'ARCHIVED';
export type TriggerType = 'EVENT' | 'AUDIENCE';
export type EntryMode = 'REENTER_EVERY_TIME' | 'ONCE';
export type ConditionMatch = 'ALL' | 'ANY';

/** `path` points into the event (`properties.cart_ID`) or, in conditions, into the journey context (`traits.ltv`). */
export interface PropertyFilter {
  path: string;
  operator: FilterOperator;
  values?: unknown[];
}

export interface EventMatch {
  event: string;
  filters: PropertyFilter[];
}

/** "User performed `event` at least/at most N times within `within`" (ISO-8601 duration; no window = ever). */
export interface Performed {
  event: string;
  filters: PropertyFilter[];
  atLeast?: number;
  atMost?: number;
  within?: string;
}

export interface Condition {
  match: ConditionMatch;
  filters: PropertyFilter[];
  performed: Performed[];
}

export interface Trigger {
  type: TriggerType;
  event?: EventMatch;
  audienceId?: string;
  audienceFilterId?: string;
  useHistoricalData: boolean;
}

export interface EntryRules {
  mode: EntryMode;
  /** Path into the entry event, e.g. `properties.Application_id`: one parallel instance per value. */
  uniqueIdentifier?: string;
}

export interface Goal {
  match: EventMatch;
  targetPercent?: number;
}

export interface HoldBranch {
  key: string;
  match: EventMatch;
  next?: string;
}

export interface HoldUntilConfig {
  branches: HoldBranch[];
  updateEvents: EventMatch[];
  maxDuration: string;
  timeoutNext?: string;
}

export interface WaitConfig {
  duration: string;
}

export interface WaitForConditionConfig {
  condition: Condition;
  maxDuration?: string;
  timeoutNext?: string;
}

export interface SplitConfig {
  condition: Condition;
  trueNext?: string;
  falseNext?: string;
}

export interface ConditionBranch {
  key: string;
  condition: Condition;
  next?: string;
}

export interface MultiBranchConfig {
  branches: ConditionBranch[];
  elseNext?: string;
}

export interface SendConfig {
  destinationId: string;
  action: string;
  eventName?: string;
  /** JSON whose leaves are literals, `{ "@path": "$.traits.email" }` or `{ "@template": "Hi {{traits.first_name}}" }`. */
  mapping: unknown;
  enabled: boolean;
}

/** A step as stored in a draft: its type plus whatever configuration was given. */
export interface DraftStep {
  key: string;
  name: string;
  type: StepType;
  next?: string;
  hold?: HoldUntilConfig;
  wait?: WaitConfig;
  waitForCondition?: WaitForConditionConfig;
  split?: SplitConfig;
  multiBranch?: MultiBranchConfig;
  send?: SendConfig;
}

export interface JourneyDraft {
  trigger: Trigger;
  entry: EntryRules;
  exit: EventMatch[];
  goal?: Goal;
  steps: DraftStep[];
  startStep?: string;
}

interface StepBase {
  key: string;
  name: string;
}

export interface HoldUntilStep extends StepBase {
  type: 'HOLD_UNTIL';
  hold: HoldUntilConfig;
}
export interface WaitStep extends StepBase {
  type: 'WAIT';
  wait: WaitConfig;
  next?: string;
}
export interface WaitForConditionStep extends StepBase {
  type: 'WAIT_FOR_CONDITION';
  waitForCondition: WaitForConditionConfig;
  /** Taken when the condition holds. */
  next?: string;
}
export interface SplitStep extends StepBase {
  type: 'SPLIT';
  split: SplitConfig;
}
export interface MultiBranchStep extends StepBase {
  type: 'MULTI_BRANCH';
  multiBranch: MultiBranchConfig;
}
export interface SendStep extends StepBase {
  type: 'SEND';
  send: SendConfig;
  next?: string;
}
export interface EndStep extends StepBase {
  type: 'END';
}

export type JourneyStep = HoldUntilStep | WaitStep | WaitForConditionStep | SplitStep | MultiBranchStep | SendStep | EndStep;

/** A validated, publishable journey: what a published version freezes and the engine runs. */
export interface JourneyDefinition {
  trigger: Trigger;
  entry: EntryRules;
  exit: EventMatch[];
  goal?: Goal;
  steps: JourneyStep[];
  startStep: string;
}

/** One problem found in an input, with the path of the offending field (`steps[2].hold.timeoutNext`). */
export type { Problem } from '../common/errors';
