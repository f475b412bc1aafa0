import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import type { Condition } from '../engine/definition';
import { ConditionInput } from '../journeys/journey-input.graphql-types';
import { ConditionType } from '../journeys/journey.graphql-types';
import type { AudienceInputShape } from './audience-validation';

@ObjectType('Audience', { description: 'A condition over profiles: trait filters and performed clauses. Membership is kept current as events arrive and windows slide.' })
export class AudienceType {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => ConditionType) condition: Condition;
  @Field(() => Int, { description: 'Current members, counted exactly. A new audience fills in the background, so it may grow at first.' })
  size: number;
  @Field() createdAt: Date;
  @Field(() => Date, {
    nullable: true,
    description: 'When every profile that existed at creation had been evaluated; null until then. Publish a useHistoricalData journey after it.',
  })
  filledAt: Date | null;
}

@InputType('AudienceInput')
export class AudienceInput implements AudienceInputShape {
  @Field() name: string;
  @Field(() => ConditionInput, { description: 'Filters read profile traits only (`traits.city`); performed clauses count events.' })
  condition: ConditionInput;
}
