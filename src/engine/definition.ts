import type { ConfigFieldsOf, JourneyStep, StepType, UnionToIntersection } from './steps/registry';
import type { TimeSettings } from './time-settings';

export type { QuietHours, QuietHoursMode, TimeSettings } from './time-settings';

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

export type { JourneyStep, StepType } from './steps/registry';
export type { HoldBranch, HoldUntilConfig, HoldUntilStep } from './steps/hold-until';
export type { WaitConfig, WaitStep } from './steps/wait';
export type { WaitForConditionConfig, WaitForConditionStep } from './steps/wait-for-condition';
export type { SplitConfig, SplitStep } from './steps/split';
export type { ConditionBranch, MultiBranchConfig, MultiBranchStep } from './steps/multi-branch';
export type { RandomSplitConfig, RandomSplitStep, WeightedBranch } from './steps/random-split';
export type { WaitUntilConfig, WaitUntilStep } from './steps/wait-until';
export type { SendConfig, SendStep } from './steps/send';
export type { EndStep } from './steps/end';

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

/** At most `max` entries into the journey, by all users together: in total, or within any span of `within`. */
export interface EntryLimit {
  max: number;
  /** ISO-8601 duration of the rolling window; absent = in total. */
  within?: string;
}

export interface EntryRules {
  mode: EntryMode;
  /** Path into the entry event, e.g. `properties.Application_id`: one parallel instance per value. */
  uniqueIdentifier?: string;
  /** ISO-8601 duration: a user who entered less than this long ago (any version) does not enter again. */
  cooldown?: string;
  /** Checked by the runtime, which alone sees every user's entries. */
  limit?: EntryLimit;
}

export interface Goal {
  match: EventMatch;
  targetPercent?: number;
}

/** A step as stored in a draft: its type plus whatever configuration blocks were given. */
export type DraftStep = {
  key: string;
  name: string;
  type: StepType;
  next?: string;
} & Partial<UnionToIntersection<ConfigFieldsOf<JourneyStep>>>;

export interface JourneyDraft extends TimeSettings {
  trigger: Trigger;
  entry: EntryRules;
  /** Its sends bypass the workspace's frequency caps and do not count toward them (order confirmations). */
  transactional?: boolean;
  exit: EventMatch[];
  goal?: Goal;
  steps: DraftStep[];
  startStep?: string;
}

/** A validated, publishable journey: what a published version freezes and the engine runs. */
export interface JourneyDefinition extends TimeSettings {
  trigger: Trigger;
  entry: EntryRules;
  transactional?: boolean;
  exit: EventMatch[];
  goal?: Goal;
  steps: JourneyStep[];
  startStep: string;
}

export type { Problem } from './problem';

/** Step keys travel to destinations as property and trait names, so they stay plain. */
export const STEP_KEY_PATTERN = /^[A-Za-z0-9_-]+$/;
