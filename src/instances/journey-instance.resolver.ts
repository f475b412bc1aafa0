import { Args, ID, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ActivityRecord } from '../activity/activity.graphql-types';
import { ActivityService } from '../activity/activity.service';
import type { InstanceStatus } from '../engine';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { InstanceStatusEnum, JourneyInstanceConnection, JourneyInstanceType } from './journey-instance.graphql-types';
import { DEFAULT_INSTANCE_PAGE, JourneyInstanceService, MAX_INSTANCE_PAGE } from './journey-instance.service';

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

  @Query(() => JourneyInstanceConnection, { description: `Oldest first; \`first\` is at most ${MAX_INSTANCE_PAGE}.` })
  journeyInstances(
    @CurrentWorkspace() workspace: Workspace,
    @Args('journeyId', { type: () => ID }) journeyId: string,
    @Args('userId', { type: () => String, nullable: true }) userId?: string,
    @Args('status', { type: () => InstanceStatusEnum, nullable: true }) status?: InstanceStatus,
    @Args('test', { type: () => Boolean, nullable: true, description: 'true: test runs only; false: live instances only; absent: both.' }) test?: boolean | null,
    @Args('first', { type: () => Int, nullable: true, defaultValue: DEFAULT_INSTANCE_PAGE }) first?: number | null,
    @Args('after', { type: () => String, nullable: true }) after?: string,
  ) {
    return this.instances.list(workspace.id, { journeyId, userId, status, test }, first ?? DEFAULT_INSTANCE_PAGE, after);
  }

  @ResolveField(() => [ActivityRecord])
  timeline(@Parent() instance: JourneyInstanceType): Promise<ActivityRecord[]> {
    return this.activity.timeline(instance.id);
  }
}
