import { USER_EVENTS_QUEUE, userEventsJobKey, type UserEventsJob } from '../ingestion/user-events-queue';
import type { JobRequest } from '../queue/queue.service';

/**
 * The one way to have a user's state looked at again at a given time (a waiting condition's window
 * sliding, an audience membership that time alone can change): a user-events job delayed until `at`.
 * The job applies the user's due changes under their lock like any other. `about` names what is due, so
 * wake-ups for different things at the same instant stay apart, and the same one enqueued twice is one job;
 * it keeps the key off the user's own key, since a delayed job under that key would hold back their events.
 */
export function userWakeUp(workspaceId: string, userId: string, at: Date, about: string): JobRequest {
  const data: UserEventsJob = { workspaceId, userId };
  return { queue: USER_EVENTS_QUEUE, data, startAfter: at, singletonKey: `${userEventsJobKey(workspaceId, userId)}:${about}:${at.getTime()}` };
}
