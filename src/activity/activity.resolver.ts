import { Args, Context, ID, Int, Query, Resolver, Subscription } from '@nestjs/graphql';
import { unauthenticated } from '../common/errors';
import type { ActivityType } from '../engine';
import { CurrentWorkspace, RequestContext } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { ActivityFanout } from './activity-fanout';
import { ActivityConnection, ActivityFilter, ActivityRecord, ActivityTypeEnum } from './activity.graphql-types';
import { ActivityService } from './activity.service';

interface ActivitySubscriptionArgs {
  journeyId?: string | null;
  userId?: string | null;
  types?: ActivityType[] | null;
}

@Resolver(() => ActivityRecord)
export class ActivityResolver {
  constructor(
    private readonly activity: ActivityService,
    private readonly fanout: ActivityFanout,
  ) {}

  @Query(() => ActivityConnection, {
    name: 'activity',
    description: 'The activity log across users, oldest first; `after` takes a previous endCursor.',
  })
  activityLog(
    @CurrentWorkspace() workspace: Workspace,
    @Args('filter', { type: () => ActivityFilter }) filter: ActivityFilter,
    @Args('first', { type: () => Int, defaultValue: 100 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
  ): Promise<ActivityConnection> {
    return this.activity.list(workspace.id, filter, first, after);
  }

  @Subscription(() => ActivityRecord, {
    name: 'activity',
    description: 'Every activity record of the workspace as it is written, by any process; filtered by the arguments.',
    filter: (record: ActivityRecord, args: ActivitySubscriptionArgs) =>
      (!args.journeyId || record.journeyId === args.journeyId) &&
      (!args.userId || record.userId === args.userId) &&
      (!args.types?.length || args.types.includes(record.type)),
    resolve: (record: ActivityRecord) => record,
  })
  activitySubscription(
    @Context() context: RequestContext,
    @Args('journeyId', { type: () => ID, nullable: true }) _journeyId?: string,
    @Args('userId', { type: () => String, nullable: true }) _userId?: string,
    @Args('types', { type: () => [ActivityTypeEnum], nullable: true }) _types?: ActivityType[],
  ) {
    if (!context.workspace) throw unauthenticated();
    return this.fanout.subscribe(context.workspace.id);
  }
}
