import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { JSONScalar } from '../common/graphql-scalars';
import { PageInfo } from '../common/page-info.graphql-type';
import { ACTIVITY_TYPES, type ActivityType } from '../engine';

export const ActivityTypeEnum = Object.fromEntries(ACTIVITY_TYPES.map((t) => [t, t])) as { [K in ActivityType]: K };
registerEnumType(ActivityTypeEnum, { name: 'ActivityType' });

@ObjectType('Activity')
export class ActivityRecord {
  @Field(() => ID) id: string;
  @Field() at: Date;
  @Field(() => ActivityTypeEnum) type: ActivityType;
  @Field(() => ID) journeyId: string;
  @Field(() => ID) instanceId: string;
  @Field() userId: string;
  @Field(() => String, { nullable: true }) stepKey: string | null;
  @Field(() => JSONScalar, { nullable: true }) detail: Record<string, unknown> | null;
  @Field({ description: 'A record of a test run (a test profile in a journey under test); test runs are not in journey statistics.' })
  test: boolean;
}

@ObjectType('ActivityConnection')
export class ActivityConnection {
  @Field(() => [ActivityRecord]) nodes: ActivityRecord[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

@InputType('ActivityFilter')
export class ActivityFilter {
  @Field(() => ID, { nullable: true }) journeyId?: string;
  @Field({ nullable: true }) userId?: string;
  @Field(() => ID, { nullable: true }) instanceId?: string;
  @Field({ nullable: true, description: 'Records at or after this time.' }) from?: Date;
  @Field({ nullable: true, description: 'Records before this time (exclusive, so consecutive ranges do not overlap).' }) to?: Date;
  @Field(() => [ActivityTypeEnum], { nullable: true }) types?: ActivityType[];
  @Field({ nullable: true }) stepKey?: string;
  @Field(() => Boolean, { nullable: true, description: 'true: test runs only; false: live traffic only; absent: both.' }) test?: boolean | null;
}
