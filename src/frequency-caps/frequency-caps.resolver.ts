import { Args, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { DurationScalar } from '../common/graphql-scalars';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import type { FrequencyCap } from './frequency-cap';
import { FrequencyCaps } from './frequency-caps.service';

@ObjectType('FrequencyCap', { description: 'At most `max` sends to one user within any span of `within`.' })
export class FrequencyCapType {
  @Field(() => Int) max: number;
  @Field(() => DurationScalar, { description: 'A rolling window: P1D is any 24 hours, not the calendar day.' }) within: string;
  @Field(() => ID, { nullable: true, description: 'The destination whose sends it counts; null: every destination together.' })
  destinationId: string | null;
}

@InputType('FrequencyCapInput')
export class FrequencyCapInput {
  @Field(() => Int) max: number;
  @Field(() => DurationScalar, { description: 'A rolling window, at most P30D.' }) within: string;
  @Field(() => ID, { nullable: true, description: 'Leave out to count sends to every destination together.' }) destinationId?: string | null;
}

@Resolver()
export class FrequencyCapsResolver {
  constructor(private readonly caps: FrequencyCaps) {}

  @Query(() => [FrequencyCapType], { description: "The workspace's frequency caps. Sends of transactional journeys bypass them." })
  async frequencyCaps(@CurrentWorkspace() workspace: Workspace): Promise<FrequencyCapType[]> {
    return (await this.caps.list(workspace.id)).map(toType);
  }

  @Mutation(() => [FrequencyCapType], { description: "Replaces the workspace's frequency caps (an empty list removes them)." })
  async setFrequencyCaps(
    @CurrentWorkspace() workspace: Workspace,
    @Args('caps', { type: () => [FrequencyCapInput] }) caps: FrequencyCapInput[],
  ): Promise<FrequencyCapType[]> {
    const input: FrequencyCap[] = caps.map((cap) => ({ max: cap.max, within: cap.within, ...(cap.destinationId == null ? {} : { destinationId: cap.destinationId }) }));
    return (await this.caps.set(workspace.id, input)).map(toType);
  }
}

function toType(cap: FrequencyCap): FrequencyCapType {
  return { max: cap.max, within: cap.within, destinationId: cap.destinationId ?? null };
}
