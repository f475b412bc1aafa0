import { Field, Float, ID, InputType, Int } from '@nestjs/graphql';
import { DurationScalar, JSONScalar } from '../common/graphql-scalars';
import type { ConditionMatch, EntryMode, FilterOperator, StepType, TriggerType } from '../engine/definition';
import { STEP_MODULES } from '../engine/steps/registry';
import {
  ConditionMatchEnum,
  EntryModeEnum,
  FilterOperatorEnum,
  StepTypeEnum,
  TriggerTypeEnum,
  WeekdayEnum,
} from './journey.graphql-types';
import { QuietHoursInput } from '../common/time-settings.graphql-types';
import type { Weekday } from '../engine/local-time';
import type { WaitUntilInputShape } from '../engine/steps/wait-until';
import type {
  ConditionInputShape,
  EventMatchInputShape,
  JourneyInputShape,
  PerformedInputShape,
  PropertyFilterInputShape,
  TriggerInputShape,
} from './journey-input-shapes';

// Optional fields are nullable as in the contract; `normalizeJourneyInput` applies the defaults to
// explicit nulls too, so `{ enabled: null }` means the same as leaving it out.

@InputType('PropertyFilterInput')
export class PropertyFilterInput implements PropertyFilterInputShape {
  @Field() path: string;
  @Field(() => FilterOperatorEnum) operator: FilterOperator;
  @Field(() => [JSONScalar], { nullable: true }) values?: unknown[] | null;
}

@InputType('EventMatchInput')
export class EventMatchInput implements EventMatchInputShape {
  @Field() event: string;
  @Field(() => [PropertyFilterInput], { nullable: true }) filters?: PropertyFilterInput[] | null;
}

@InputType('PerformedInput')
export class PerformedInput implements PerformedInputShape {
  @Field() event: string;
  @Field(() => [PropertyFilterInput], { nullable: true }) filters?: PropertyFilterInput[] | null;
  @Field(() => Int, { nullable: true }) atLeast?: number | null;
  @Field(() => Int, { nullable: true }) atMost?: number | null;
  @Field(() => DurationScalar, { nullable: true }) within?: string | null;
}

@InputType('ConditionInput')
export class ConditionInput implements ConditionInputShape {
  @Field(() => ConditionMatchEnum, { nullable: true, defaultValue: 'ALL' }) match?: ConditionMatch | null;
  @Field(() => [PropertyFilterInput], { nullable: true }) filters?: PropertyFilterInput[] | null;
  @Field(() => [PerformedInput], { nullable: true }) performed?: PerformedInput[] | null;
}

@InputType('TriggerInput')
export class TriggerInput implements TriggerInputShape {
  @Field(() => TriggerTypeEnum) type: TriggerType;
  @Field(() => EventMatchInput, { nullable: true }) event?: EventMatchInput | null;
  @Field(() => ID, { nullable: true }) audienceId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Admits only users who are in this audience when they perform the event.' })
  audienceFilterId?: string | null;
  @Field(() => Boolean, { nullable: true, defaultValue: false }) useHistoricalData?: boolean | null;
}

@InputType('EntryLimitInput')
export class EntryLimitInput {
  @Field(() => Int) max: number;
  @Field(() => DurationScalar, { nullable: true, description: 'A rolling window (e.g. P1D: within any 24 hours); left out, in total.' })
  within?: string | null;
}

@InputType('EntryRulesInput')
export class EntryRulesInput {
  @Field(() => EntryModeEnum, { nullable: true, defaultValue: 'REENTER_EVERY_TIME' }) mode?: EntryMode | null;
  @Field(() => String, { nullable: true, description: 'A path into the entry event, e.g. properties.Application_id.' })
  uniqueIdentifier?: string | null;
  @Field(() => DurationScalar, { nullable: true, description: 'A user who entered less than this long ago (e.g. PT5M) does not enter again.' })
  cooldown?: string | null;
  @Field(() => EntryLimitInput, { nullable: true, description: 'At most this many entries, by all users together.' })
  limit?: EntryLimitInput | null;
}

@InputType('GoalInput')
export class GoalInput {
  @Field(() => EventMatchInput) match: EventMatchInput;
  @Field(() => Float, { nullable: true }) targetPercent?: number | null;
}

@InputType('HoldBranchInput')
export class HoldBranchInput {
  @Field() key: string;
  @Field(() => EventMatchInput) match: EventMatchInput;
  @Field(() => String, { nullable: true }) next?: string | null;
}

@InputType('HoldUntilInput')
export class HoldUntilInput {
  @Field(() => [HoldBranchInput]) branches: HoldBranchInput[];
  @Field(() => [EventMatchInput], { nullable: true, description: 'Recorded into the context; each restarts the timer.' })
  updateEvents?: EventMatchInput[] | null;
  @Field(() => DurationScalar) maxDuration: string;
  @Field(() => String, { nullable: true }) timeoutNext?: string | null;
}

@InputType('WaitInput')
export class WaitInput {
  @Field(() => DurationScalar) duration: string;
}

@InputType('WaitUntilInput', { description: 'Exactly one of timeOfDay or timestampPath.' })
export class WaitUntilInput implements WaitUntilInputShape {
  @Field(() => String, { nullable: true, description: 'HH:MM in the profile’s time zone, e.g. 09:00.' }) timeOfDay?: string | null;
  @Field(() => [WeekdayEnum], { nullable: true, description: 'The days timeOfDay may fall on; every day when left out.' }) days?: Weekday[] | null;
  @Field(() => String, { nullable: true, description: 'Where the profile’s IANA time zone is read from; defaults to traits.timezone.' })
  timeZoneTrait?: string | null;
  @Field(() => String, { nullable: true, description: 'A path into the journey context holding an ISO-8601 instant, e.g. traits.trial_ends_at.' })
  timestampPath?: string | null;
  @Field(() => String, { nullable: true, description: 'Signed ISO-8601 duration added to the timestamp: -P1D before, PT2H after.' })
  offset?: string | null;
}

@InputType('WaitForConditionInput')
export class WaitForConditionInput {
  @Field(() => ConditionInput) condition: ConditionInput;
  @Field(() => DurationScalar, { nullable: true }) maxDuration?: string | null;
  @Field(() => String, { nullable: true }) timeoutNext?: string | null;
}

@InputType('SplitInput')
export class SplitInput {
  @Field(() => ConditionInput) condition: ConditionInput;
  @Field(() => String, { nullable: true }) trueNext?: string | null;
  @Field(() => String, { nullable: true }) falseNext?: string | null;
}

@InputType('BranchInput')
export class BranchInput {
  @Field() key: string;
  @Field(() => ConditionInput) condition: ConditionInput;
  @Field(() => String, { nullable: true }) next?: string | null;
}

@InputType('MultiBranchInput')
export class MultiBranchInput {
  @Field(() => [BranchInput]) branches: BranchInput[];
  @Field(() => String, { nullable: true }) elseNext?: string | null;
}

@InputType('WeightedBranchInput')
export class WeightedBranchInput {
  @Field() key: string;
  @Field(() => Int, { description: 'A whole number, 1 or more; the share is the weight over the sum of all weights.' }) weight: number;
  @Field(() => String, { nullable: true }) next?: string | null;
}

@InputType('RandomSplitInput')
export class RandomSplitInput {
  @Field(() => [WeightedBranchInput]) branches: WeightedBranchInput[];
  @Field(() => Int, { nullable: true, description: 'Weight of a control group that takes no branch and just completes.' })
  controlWeight?: number | null;
}

@InputType('SendInput')
export class SendInput {
  @Field(() => ID) destinationId: string;
  @Field() action: string;
  @Field(() => String, { nullable: true }) eventName?: string | null;
  @Field(() => JSONScalar, { description: 'Keyed by the action’s fields; leaves are literals, { "@path": ... } or { "@template": ... }.' })
  mapping: unknown;
  @Field(() => Boolean, { nullable: true, defaultValue: true }) enabled?: boolean | null;
}

@InputType('StepInput')
export class StepInput {
  @Field(() => String, { nullable: true, description: 'Generated from the name when left out, then never changes.' })
  key?: string | null;
  @Field() name: string;
  @Field(() => StepTypeEnum) type: StepType;
  @Field(() => String, { nullable: true }) next?: string | null;
  declare hold?: HoldUntilInput | null;
  declare wait?: WaitInput | null;
  declare waitUntil?: WaitUntilInput | null;
  declare waitForCondition?: WaitForConditionInput | null;
  declare split?: SplitInput | null;
  declare multiBranch?: MultiBranchInput | null;
  declare randomSplit?: RandomSplitInput | null;
  declare send?: SendInput | null;
}

/** The input type of each step type's configuration block; `StepInput`'s fields follow the registry. */
const STEP_CONFIG_INPUTS: Record<StepType, (new () => object) | null> = {
  HOLD_UNTIL: HoldUntilInput,
  WAIT: WaitInput,
  WAIT_UNTIL: WaitUntilInput,
  WAIT_FOR_CONDITION: WaitForConditionInput,
  SPLIT: SplitInput,
  MULTI_BRANCH: MultiBranchInput,
  RANDOM_SPLIT: RandomSplitInput,
  SEND: SendInput,
  END: null,
};
for (const module of STEP_MODULES) {
  const input = STEP_CONFIG_INPUTS[module.type];
  if ('configKey' in module && module.configKey && input) Field(() => input, { nullable: true })(StepInput.prototype, module.configKey);
}

@InputType('JourneyInput')
export class JourneyInput implements JourneyInputShape {
  @Field() name: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => TriggerInput) trigger: TriggerInput;
  @Field(() => EntryRulesInput, { nullable: true }) entry?: EntryRulesInput | null;
  @Field(() => Boolean, {
    nullable: true,
    description: 'Its sends bypass the frequency caps and do not count toward them (order confirmations, password resets).',
  })
  transactional?: boolean | null;
  @Field(() => [EventMatchInput], { nullable: true }) exit?: EventMatchInput[] | null;
  @Field(() => GoalInput, { nullable: true }) goal?: GoalInput | null;
  @Field(() => String, { nullable: true, description: 'IANA zone for profiles without a valid one; left out, the workspace’s default.' })
  timeZone?: string | null;
  @Field(() => QuietHoursInput, { nullable: true, description: 'Left out, the workspace’s default quiet hours apply.' })
  quietHours?: QuietHoursInput | null;
  @Field(() => [StepInput]) steps: StepInput[];
  @Field(() => String, { nullable: true, description: 'Defaults to the first step listed.' }) startStep?: string | null;
}

@InputType('JourneyPatchInput', {
  description: 'All optional: a published journey accepts name, description and send-step changes only, and any change while a draft version is open (createJourneyVersion).',
})
export class JourneyPatchInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => TriggerInput, { nullable: true }) trigger?: TriggerInput | null;
  @Field(() => EntryRulesInput, { nullable: true }) entry?: EntryRulesInput | null;
  @Field(() => Boolean, {
    nullable: true,
    description: 'Its sends bypass the frequency caps and do not count toward them (order confirmations, password resets).',
  })
  transactional?: boolean | null;
  @Field(() => [EventMatchInput], { nullable: true }) exit?: EventMatchInput[] | null;
  @Field(() => GoalInput, { nullable: true }) goal?: GoalInput | null;
  @Field(() => String, { nullable: true }) timeZone?: string | null;
  @Field(() => QuietHoursInput, { nullable: true }) quietHours?: QuietHoursInput | null;
  @Field(() => [StepInput], { nullable: true }) steps?: StepInput[] | null;
  @Field(() => String, { nullable: true }) startStep?: string | null;
}
