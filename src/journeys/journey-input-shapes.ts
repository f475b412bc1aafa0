import type { EntryMode, StepType, TriggerType } from '../engine/definition';
import type { EventMatchInputShape, Nullable } from '../engine/input-normalizing';
import type { StepConfigInputs } from '../engine/steps/registry';
import type { QuietHoursInputShape } from '../engine/time-settings';

export type { ConditionInputShape, EventMatchInputShape, PerformedInputShape, PropertyFilterInputShape } from '../engine/input-normalizing';

/**
 * The GraphQL `JourneyInput` as it arrives: optional fields may be null or missing. A step's
 * configuration block (`hold`, `wait`, ...) is whatever its type's module normalizes.
 */
export interface TriggerInputShape {
  type: TriggerType;
  event?: Nullable<EventMatchInputShape>;
  audienceId?: Nullable<string>;
  audienceFilterId?: Nullable<string>;
  useHistoricalData?: Nullable<boolean>;
}

export type StepInputShape = {
  key?: Nullable<string>;
  name: string;
  type: StepType;
  next?: Nullable<string>;
} & StepConfigInputs;

export interface JourneyInputShape {
  name: string;
  description?: Nullable<string>;
  trigger: TriggerInputShape;
  entry?: Nullable<{
    mode?: Nullable<EntryMode>;
    uniqueIdentifier?: Nullable<string>;
    cooldown?: Nullable<string>;
    limit?: Nullable<{ max: number; within?: Nullable<string> }>;
  }>;
  transactional?: Nullable<boolean>;
  exit?: Nullable<readonly EventMatchInputShape[]>;
  goal?: Nullable<{ match: EventMatchInputShape; targetPercent?: Nullable<number> }>;
  timeZone?: Nullable<string>;
  quietHours?: Nullable<QuietHoursInputShape>;
  steps: readonly StepInputShape[];
  startStep?: Nullable<string>;
}
