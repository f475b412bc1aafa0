import { Args, Context, ID, Int, Query, Resolver, Subscription } from '@nestjs/graphql';
import { unauthenticated } from '../common/errors';
import type { ActivityType } from '../engine';
import { CurrentWorkspace, RequestContext } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { ActivityFanout } from './activity-fanout';
import { ActivityConnection, ActivityFilter, ActivityRecord, ActivityTypeEnum } from './activity.graphql-types';
import { ActivityService, DEFAULT_ACTIVITY_PAGE, MAX_ACTIVITY_PAGE } from './activity.service';

@Resolver(() => ActivityRecord)
export class ActivityResolver {
  constructor(
    private readonly activity: ActivityService,
    private readonly fanout: ActivityFanout,
  ) {}

  @Query(() => ActivityConnection, {
    name: 'activity',
    description: `The activity log across users, oldest first; \`first\` is at most ${MAX_ACTIVITY_PAGE}, \`after\` takes a previous endCursor.`,
  })
  activityLog(
    @CurrentWorkspace() workspace: Workspace,
    @Args('filter', { type: () => ActivityFilter }) filter: ActivityFilter,
    @Args('first', { type: () => Int, nullable: true, defaultValue: DEFAULT_ACTIVITY_PAGE }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
  ): Promise<ActivityConnection> {
    return this.activity.list(workspace.id, filter, first ?? DEFAULT_ACTIVITY_PAGE, after);
  }

  @Subscription(() => ActivityRecord, {
    name: 'activity',
    description: 'Every activity record of the workspace as it is written, by any process, in commit order; filtered by the arguments.',
    resolve: (record: ActivityRecord) => record,
  })
  activitySubscription(
    @Context() context: RequestContext,
    @Args('journeyId', { type: () => ID, nullable: true }) journeyId?: string | null,
    @Args('userId', { type: () => String, nullable: true }) userId?: string | null,
    @Args('types', { type: () => [ActivityTypeEnum], nullable: true }) types?: ActivityType[] | null,
    @Args('test', { type: () => Boolean, nullable: true, description: 'true: test runs only; false: live traffic only; absent: both.' })
    test?: boolean | null,
    @Args('after', {
      type: () => ID,
      nullable: true,
      description: 'Resume cursor: the id of the last record received. Records written after it are sent first, then live ones, none missed or repeated.',
    })
    after?: string | null,
  ) {
    if (!context.workspace) throw unauthenticated();
    return this.fanout.subscribe(context.workspace.id, { journeyId, userId, types, test }, after);
  }
}
