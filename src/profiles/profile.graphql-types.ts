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

@ObjectType('ProfileDeletion', { description: 'What deleteProfile erased, by kind of record.' })
export class ProfileDeletionType {
  @Field() userId: string;
  @Field(() => Int, { description: '1 when the profile (its traits) existed, else 0.' }) profiles: number;
  @Field(() => Int) events: number;
  @Field(() => Int) instances: number;
  @Field(() => Int, { description: 'Of `instances`, the active ones, ended with reason `deleted`.' }) activeInstancesEnded: number;
  @Field(() => Int) activities: number;
  @Field(() => Int) audienceMemberships: number;
  @Field(() => Int, { description: 'Deliveries with their payloads, whatever their status.' }) deliveries: number;
  @Field(() => Int, { description: 'Waiting and finished queue jobs that named the user or its deliveries.' }) jobs: number;
  @Field({ description: "Whether the user's future events are dropped on arrival." }) suppressed: boolean;
}

@ObjectType('SuppressedProfile', { description: 'A user whose events are acknowledged and dropped (deleteProfile with suppress: true).' })
export class SuppressedProfileType {
  @Field() userId: string;
  @Field() suppressedAt: Date;
}
