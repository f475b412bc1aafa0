import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DurationScalar, JSONScalar } from '../common/graphql-scalars';
import { PageInfo } from '../common/page-info.graphql-type';
import { DeliveryStatusEnum } from '../deliveries/delivery.graphql-types';
import type { DeliveryStatus } from '../deliveries/delivery.entity';
import {
  Condition,
  ConditionBranch,
  ConditionMatch,
  EntryLimit,
  EntryMode,
  EntryRules,
  EventMatch,
  FILTER_OPERATORS,
  FilterOperator,
  Goal,
  HoldBranch,
  HoldUntilConfig,
  JourneyStatus,
  MultiBranchConfig,
  Performed,
  PropertyFilter,
  QuietHours,
  RandomSplitConfig,
  SendConfig,
  SplitConfig,
  StepType,
  Trigger,
  TriggerType,
  WaitConfig,
  WaitForConditionConfig,
  WaitUntilConfig,
  WeightedBranch,
} from '../engine/definition';
import { WEEKDAYS, type Weekday } from '../engine/local-time';
import { QuietHoursType } from '../common/time-settings.graphql-types';
import { STEP_MODULES, STEP_TYPES } from '../engine/steps/registry';

// The GraphQL enums are generated from the model's own lists, so the two cannot drift apart.
function enumOf<T extends string>(values: readonly T[]): { [K in T]: K } {
  return Object.fromEntries(values.map((value) => [value, value])) as { [K in T]: K };
}

export const JourneyStatusEnum = enumOf<JourneyStatus>(['DRAFT', 'PUBLISHED', 'PAUSED', 'ARCHIVED']);
export const TriggerTypeEnum = enumOf<TriggerType>(['EVENT', 'AUDIENCE']);
export const EntryModeEnum = enumOf<EntryMode>(['REENTER_EVERY_TIME', 'ONCE']);
export const StepTypeEnum = enumOf<StepType>(STEP_TYPES);
export const FilterOperatorEnum = enumOf<FilterOperator>(FILTER_OPERATORS);
export const ConditionMatchEnum = enumOf<ConditionMatch>(['ALL', 'ANY']);
export const WeekdayEnum = enumOf<Weekday>(WEEKDAYS);

registerEnumType(JourneyStatusEnum, { name: 'JourneyStatus' });
registerEnumType(TriggerTypeEnum, { name: 'TriggerType' });
registerEnumType(EntryModeEnum, { name: 'EntryMode' });
registerEnumType(StepTypeEnum, { name: 'StepType' });
registerEnumType(FilterOperatorEnum, { name: 'FilterOperator' });
registerEnumType(ConditionMatchEnum, { name: 'ConditionMatch' });
registerEnumType(WeekdayEnum, { name: 'Weekday' });

// Object types are typed with the model's interfaces, so a stored draft is returned as it is.

@ObjectType('PropertyFilter')
export class PropertyFilterType implements PropertyFilter {
  @Field({ description: 'Into the event (`properties.cart_ID`) or, in conditions, the journey context (`traits.ltv`).' })
  path: string;
  @Field(() => FilterOperatorEnum) operator: FilterOperator;
  @Field(() => [JSONScalar], { nullable: true }) values?: unknown[];
}

@ObjectType('EventMatch')
export class EventMatchType implements EventMatch {
  @Field() event: string;
  @Field(() => [PropertyFilterType]) filters: PropertyFilter[];
}

@ObjectType('Performed')
export class PerformedType implements Performed {
  @Field() event: string;
  @Field(() => [PropertyFilterType]) filters: PropertyFilter[];
  @Field(() => Int, { nullable: true }) atLeast?: number;
  @Field(() => Int, { nullable: true }) atMost?: number;
  @Field(() => DurationScalar, { nullable: true }) within?: string;
}

@ObjectType('Condition')
export class ConditionType implements Condition {
  @Field(() => ConditionMatchEnum) match: ConditionMatch;
  @Field(() => [PropertyFilterType]) filters: PropertyFilter[];
  @Field(() => [PerformedType]) performed: Performed[];
}

@ObjectType('Trigger')
export class TriggerObjectType implements Trigger {
  @Field(() => TriggerTypeEnum) type: TriggerType;
  @Field(() => EventMatchType, { nullable: true }) event?: EventMatch;
  @Field(() => ID, { nullable: true }) audienceId?: string;
  @Field(() => ID, { nullable: true }) audienceFilterId?: string;
  @Field() useHistoricalData: boolean;
}

@ObjectType('EntryLimit')
export class EntryLimitType implements EntryLimit {
  @Field(() => Int) max: number;
  @Field(() => DurationScalar, { nullable: true, description: 'The rolling window; null = in total.' }) within?: string;
}

@ObjectType('EntryRules')
export class EntryRulesType implements EntryRules {
  @Field(() => EntryModeEnum) mode: EntryMode;
  @Field(() => String, { nullable: true }) uniqueIdentifier?: string;
  @Field(() => DurationScalar, { nullable: true }) cooldown?: string;
  @Field(() => EntryLimitType, { nullable: true }) limit?: EntryLimit;
}

@ObjectType('Goal')
export class GoalType implements Goal {
  @Field(() => EventMatchType) match: EventMatch;
  @Field(() => Float, { nullable: true }) targetPercent?: number;
}

@ObjectType('HoldBranch')
export class HoldBranchType implements HoldBranch {
  @Field() key: string;
  @Field(() => EventMatchType) match: EventMatch;
  @Field(() => String, { nullable: true }) next?: string;
}

@ObjectType('HoldUntil')
export class HoldUntilType implements HoldUntilConfig {
  @Field(() => [HoldBranchType]) branches: HoldBranch[];
  @Field(() => [EventMatchType]) updateEvents: EventMatch[];
  @Field(() => DurationScalar) maxDuration: string;
  @Field(() => String, { nullable: true }) timeoutNext?: string;
}

@ObjectType('Wait')
export class WaitType implements WaitConfig {
  @Field(() => DurationScalar) duration: string;
}

@ObjectType('WaitUntil')
export class WaitUntilType implements WaitUntilConfig {
  @Field(() => String, { nullable: true, description: 'HH:MM in the profile’s time zone; null when waiting for a timestamp.' }) timeOfDay?: string;
  @Field(() => [WeekdayEnum], { description: 'The days timeOfDay may fall on; every day when empty.' }) days: Weekday[];
  @Field({ description: 'Where the profile’s IANA time zone is read from.' }) timeZoneTrait: string;
  @Field(() => String, { nullable: true, description: 'A path into the journey context holding an ISO-8601 instant.' }) timestampPath?: string;
  @Field(() => String, { nullable: true, description: 'Signed ISO-8601 duration added to the timestamp: -P1D before, PT2H after.' })
  offset?: string;
}

@ObjectType('WaitForCondition')
export class WaitForConditionType implements WaitForConditionConfig {
  @Field(() => ConditionType) condition: Condition;
  @Field(() => DurationScalar, { nullable: true }) maxDuration?: string;
  @Field(() => String, { nullable: true }) timeoutNext?: string;
}

@ObjectType('Split')
export class SplitType implements SplitConfig {
  @Field(() => ConditionType) condition: Condition;
  @Field(() => String, { nullable: true }) trueNext?: string;
  @Field(() => String, { nullable: true }) falseNext?: string;
}

@ObjectType('Branch')
export class BranchType implements ConditionBranch {
  @Field() key: string;
  @Field(() => ConditionType) condition: Condition;
  @Field(() => String, { nullable: true }) next?: string;
}

@ObjectType('MultiBranch')
export class MultiBranchType implements MultiBranchConfig {
  @Field(() => [BranchType]) branches: ConditionBranch[];
  @Field(() => String, { nullable: true }) elseNext?: string;
}

@ObjectType('WeightedBranch')
export class WeightedBranchType implements WeightedBranch {
  @Field() key: string;
  @Field(() => Int) weight: number;
  @Field(() => String, { nullable: true }) next?: string;
}

@ObjectType('RandomSplit')
export class RandomSplitType implements RandomSplitConfig {
  @Field(() => [WeightedBranchType]) branches: WeightedBranch[];
  @Field(() => Int, { nullable: true, description: 'Weight of the control group (recorded as branch "control"); null without one.' })
  controlWeight?: number;
}

@ObjectType('Send')
export class SendType implements SendConfig {
  @Field(() => ID) destinationId: string;
  @Field() action: string;
  @Field(() => String, { nullable: true }) eventName?: string;
  @Field(() => JSONScalar) mapping: unknown;
  @Field() enabled: boolean;
}

@ObjectType('Step')
export class JourneyStepType {
  @Field({ description: 'Stable once created; destinations receive it with every payload of a send step.' }) key: string;
  @Field() name: string;
  @Field(() => StepTypeEnum) type: StepType;
  @Field(() => String, { nullable: true }) next?: string;
  declare hold?: HoldUntilConfig;
  declare wait?: WaitConfig;
  declare waitUntil?: WaitUntilConfig;
  declare waitForCondition?: WaitForConditionConfig;
  declare split?: SplitConfig;
  declare multiBranch?: MultiBranchConfig;
  declare randomSplit?: RandomSplitConfig;
  declare send?: SendConfig;
}

/** The output type of each step type's configuration block; the step's fields follow the registry. */
const STEP_CONFIG_TYPES: Record<StepType, (new () => object) | null> = {
  HOLD_UNTIL: HoldUntilType,
  WAIT: WaitType,
  WAIT_UNTIL: WaitUntilType,
  WAIT_FOR_CONDITION: WaitForConditionType,
  SPLIT: SplitType,
  MULTI_BRANCH: MultiBranchType,
  RANDOM_SPLIT: RandomSplitType,
  SEND: SendType,
  END: null,
};
for (const module of STEP_MODULES) {
  const type = STEP_CONFIG_TYPES[module.type];
  if ('configKey' in module && module.configKey && type) Field(() => type, { nullable: true })(JourneyStepType.prototype, module.configKey);
}

@ObjectType('StepCount')
export class StepCountType {
  @Field() stepKey: string;
  @Field(() => Int) active: number;
}

@ObjectType('BranchCount')
export class BranchCountType {
  @Field() stepKey: string;
  @Field({ description: 'The branch key, or true/false (SPLIT), else (MULTI_BRANCH), met/timeout (WAIT_FOR_CONDITION), control (RANDOM_SPLIT).' })
  branch: string;
  @Field(() => Int, { description: 'Times an instance took it, all versions.' }) taken: number;
}

@ObjectType('SendReasonCount')
export class SendReasonCountType {
  @Field() stepKey: string;
  @Field({ description: 'Why: QUIET_HOURS, or the limit that held the send back.' }) reason: string;
  @Field(() => Int, { description: 'All versions.' }) count: number;
}

@ObjectType('DeliveryStatusCount')
export class DeliveryStatusCountType {
  @Field(() => DeliveryStatusEnum) status: DeliveryStatus;
  @Field(() => Int) count: number;
}

@ObjectType('JourneyStats', { description: 'Live traffic only: instances, activity and deliveries of test runs are not counted.' })
export class JourneyStatsType {
  @Field(() => Int, { description: 'Instances ever started, all versions (on JourneyVersion.stats: the instances that run that version).' }) entered: number;
  @Field(() => Int) active: number;
  @Field(() => Int) completed: number;
  @Field(() => Int) exited: number;
  @Field(() => Int, { description: 'Instances whose user performed the goal event after entering.' }) converted: number;
  @Field(() => Float, { nullable: true, description: 'converted / entered × 100; null before anyone entered, and when the journey has no goal.' })
  conversionPercent: number | null;
  @Field(() => [StepCountType], { description: 'Active instances by the step they are at.' }) atStep: StepCountType[];
  @Field(() => [BranchCountType], { description: 'How often each branch of each branching step was taken: the realised split of a RANDOM_SPLIT.' })
  branches: BranchCountType[];
  @Field(() => [SendReasonCountType], { description: 'Sends deferred where they came due (SEND_DEFERRED records), by step and reason.' })
  sendsDeferred: SendReasonCountType[];
  @Field(() => [SendReasonCountType], { description: 'Sends skipped where they came due (SEND_SKIPPED records), by step and reason.' })
  sendsSkipped: SendReasonCountType[];
  @Field(() => [DeliveryStatusCountType], { description: 'The journey’s deliveries by status: every status, in life-cycle order, 0 included.' })
  deliveries: DeliveryStatusCountType[];
}

@ObjectType('Journey')
export class JourneyType {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => JourneyStatusEnum) status: JourneyStatus;
  @Field(() => Int, { description: 'The published version new instances enter.' }) version: number;
  @Field(() => Int, {
    nullable: true,
    description: 'Set while a published or paused journey has a draft version open: the number it will get. The journey\'s parts are then that draft.',
  })
  draftVersion: number | null;
  @Field(() => TriggerObjectType) trigger: Trigger;
  @Field(() => EntryRulesType) entry: EntryRules;
  @Field({ description: 'Its sends bypass the frequency caps and do not count toward them.' }) transactional: boolean;
  @Field(() => [EventMatchType]) exit: EventMatch[];
  @Field(() => GoalType, { nullable: true }) goal?: Goal;
  @Field(() => String, { nullable: true, description: 'IANA zone for profiles without a valid one; null uses the workspace’s default.' })
  timeZone: string | null;
  @Field(() => QuietHoursType, { nullable: true, description: 'Null uses the workspace’s default quiet hours, if any.' }) quietHours: QuietHours | null;
  @Field(() => [JourneyStepType]) steps: JourneyStepType[];
  @Field(() => String, { nullable: true, description: 'The step instances start at: the given one, else the first listed.' })
  startStep: string | null;
  @Field(() => ID, { nullable: true }) duplicatedFromId: string | null;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
  @Field(() => Date, { nullable: true }) publishedAt: Date | null;
}

@ObjectType('JourneyConnection')
export class JourneyConnectionType {
  @Field(() => [JourneyType]) nodes: JourneyType[];
  @Field(() => PageInfo) pageInfo: PageInfo;
  @Field(() => Int, { description: 'Journeys matching the filter, on all pages.' }) totalCount: number;
}

/** One problem of an input, with the path of the field it concerns (`steps[2].hold.timeoutNext`). */
@ObjectType('Problem')
export class ProblemType {
  @Field() path: string;
  @Field() message: string;
}
