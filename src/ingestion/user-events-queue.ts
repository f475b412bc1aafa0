/** One job per user with unapplied events; the runtime applies them in acceptance order. */
export const USER_EVENTS_QUEUE = 'user-events';

export interface UserEventsJob {
  workspaceId: string;
  userId: string;
}

/** `short` policy + this key: at most one waiting job per user, however many events arrive. */
export const userEventsJobKey = (workspaceId: string, userId: string) => `${workspaceId}:${userId}`;
