import { Field, Int, ObjectType } from '@nestjs/graphql';
import { JSONScalar } from '../common/graphql-scalars';
import { JourneyInstanceType } from '../instances/journey-instance.graphql-types';
import { JourneyType } from '../journeys/journey.graphql-types';

/** One row of the profile's Journeys tab. */
@ObjectType('ProfileJourney')
export class ProfileJourneyType {
  @Field(() => JourneyType) journey: JourneyType;
  @Field(() => Int, { description: 'Instances the user ever started in this journey, all versions.' }) timesEntered: number;
  @Field(() => [JourneyInstanceType], { description: 'Oldest first.' }) activeInstances: JourneyInstanceType[];
}

@ObjectType('Profile')
export class ProfileType {
  @Field() userId: string;
  @Field(() => JSONScalar) traits: Record<string, unknown>;
  @Field(() => [ProfileJourneyType], { description: 'Every journey the user entered, the first entered first.' })
  journeys?: ProfileJourneyType[];
}
