import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ActivityRecord } from '../activity/activity.graphql-types';
import { JSONScalar } from '../common/graphql-scalars';
import { PageInfo } from '../common/page-info.graphql-type';
import type { InstanceStatus } from '../engine';

export const InstanceStatusEnum = { ACTIVE: 'ACTIVE', COMPLETED: 'COMPLETED', EXITED: 'EXITED' } as const;
registerEnumType(InstanceStatusEnum, { name: 'InstanceStatus' });

@ObjectType('JourneyInstance')
export class JourneyInstanceType {
  @Field(() => ID) id: string;
  @Field(() => ID) journeyId: string;
  @Field(() => Int) journeyVersion: number;
  @Field() userId: string;
  @Field(() => String, { nullable: true }) uniqueId: string | null;
  @Field(() => InstanceStatusEnum) status: InstanceStatus;
  @Field(() => String, { nullable: true }) currentStep: string | null;
  @Field(() => String, { nullable: true }) exitReason: string | null;
  @Field() enteredAt: Date;
  @Field(() => Date, { nullable: true }) endedAt: Date | null;
  @Field(() => Date, { nullable: true, description: 'When the current hold or wait expires, if the instance waits on time.' })
  waitingUntil: Date | null;
  @Field(() => Boolean, { description: 'The user performed the goal event after entering.' }) converted: boolean;
  @Field(() => JSONScalar) context: Record<string, unknown>;
  @Field({ description: 'A test run (test mode): its journeyVersion is a test version; not counted in journey statistics.' }) test: boolean;
  @Field(() => [ActivityRecord], { description: 'Every activity record of the instance, in order.' }) timeline?: ActivityRecord[];
}

@ObjectType('JourneyInstanceConnection')
export class JourneyInstanceConnection {
  @Field(() => [JourneyInstanceType]) nodes: JourneyInstanceType[];
  @Field(() => PageInfo) pageInfo: PageInfo;
  @Field(() => Int) totalCount: number;
}
