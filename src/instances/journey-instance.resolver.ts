import { Args, ID, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ActivityRecord } from '../activity/activity.graphql-types';
import { ActivityService } from '../activity/activity.service';
import type { InstanceStatus } from '../engine';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { InstanceStatusEnum, JourneyInstanceConnection, JourneyInstanceType } from './journey-instance.graphql-types';
import { JourneyInstanceService } from './journey-instance.service';

@Resolver(() => JourneyInstanceType)
export class JourneyInstanceResolver {
  constructor(
    private readonly instances: JourneyInstanceService,
    private readonly activity: ActivityService,
  ) {}

  @Query(() => JourneyInstanceType, { nullable: true })
  journeyInstance(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string) {
    return this.instances.find(workspace.id, id);
  }

  @Query(() => JourneyInstanceConnection)
  journeyInstances(
    @CurrentWorkspace() workspace: Workspace,
    @Args('journeyId', { type: () => ID }) journeyId: string,
    @Args('userId', { type: () => String, nullable: true }) userId?: string,
    @Args('status', { type: () => InstanceStatusEnum, nullable: true }) status?: InstanceStatus,
    @Args('first', { type: () => Int, defaultValue: 50 }) first = 50,
    @Args('after', { type: () => String, nullable: true }) after?: string,
  ) {
    return this.instances.list(workspace.id, { journeyId, userId, status }, first, after);
  }

  @ResolveField(() => [ActivityRecord])
  timeline(@Parent() instance: JourneyInstanceType): Promise<ActivityRecord[]> {
    return this.activity.timeline(instance.id);
  }
}
