import { badUserInput } from '../common/errors';
import { encodeCursor } from '../common/cursor';
import type { ActivitySubscriptionFilter } from './activity-stream';
import { MAX_BUFFERED_RECORDS } from './activity-stream';
import type { ActivityRecord } from './activity.graphql-types';
import { ActivityService, MAX_ACTIVITY_PAGE } from './activity.service';

/**
 * The records a resuming subscriber missed: those after the activity id `after`, matching its filter,
 * oldest first. Bounded like a subscriber's buffer: a client further behind reads Query.activity first.
 */
export async function readBacklog(
  activity: ActivityService,
  workspaceId: string,
  filter: ActivitySubscriptionFilter,
  after: string,
): Promise<ActivityRecord[]> {
  if (!/^\d{1,18}$/.test(after)) throw badUserInput([{ path: 'after', message: 'must be the id of an activity record' }]);
  const backlog: ActivityRecord[] = [];
  let cursor: string | null = encodeCursor([after]);
  const types = filter.types?.length ? filter.types : undefined;
  for (;;) {
    const page = await activity.list(
      workspaceId,
      { journeyId: filter.journeyId ?? undefined, userId: filter.userId ?? undefined, types, test: filter.test },
      MAX_ACTIVITY_PAGE,
      cursor,
    );
    backlog.push(...page.nodes);
    if (backlog.length > MAX_BUFFERED_RECORDS) {
      throw badUserInput(
        [{ path: 'after', message: `more than ${MAX_BUFFERED_RECORDS} records since this one; read them with Query.activity, then resume from the last` }],
      );
    }
    if (!page.pageInfo.hasNextPage) return backlog;
    cursor = page.pageInfo.endCursor;
  }
}
