import { EntityManager } from 'typeorm';
import { durationToMs } from '../engine/duration';
import { eventFilterSubject, matchesFilters, performedClauseKey, type PerformedEventTimes, type TrackedEvent } from '../engine';
import type { Performed } from '../engine/definition';

/**
 * For each user, per `performed` clause: when they performed the matching events still inside the clause's
 * window at `now` (or ever, without one), including events stamped after `now`, which a window counts only
 * once their time comes. Audiences read the times to know when a window will next change the count.
 * One indexed query per distinct clause, for any number of users.
 */
export async function performedEventTimes(
  manager: EntityManager,
  workspaceId: string,
  userIds: string[],
  clauses: Performed[],
  now: Date,
): Promise<Map<string, PerformedEventTimes>> {
  const byUser = new Map<string, PerformedEventTimes>(userIds.map((userId) => [userId, {}]));
  const seen = new Set<string>();
  for (const clause of clauses) {
    const key = performedClauseKey(clause);
    if (seen.has(key)) continue;
    seen.add(key);
    for (const times of byUser.values()) times[key] = [];
    const windowMs = clause.within ? durationToMs(clause.within) : null;
    const since = windowMs ? new Date(now.getTime() - windowMs) : new Date(0);
    const filtered = clause.filters.length > 0;
    const rows: { user_id: string; timestamp: Date; properties?: Record<string, unknown>; context?: Record<string, unknown>; message_id?: string }[] =
      await manager.query(
        `SELECT user_id, timestamp${filtered ? ', properties, context, message_id' : ''} FROM events
         WHERE workspace_id = $1 AND user_id = ANY($2::text[]) AND event = $3 AND timestamp >= $4
         ORDER BY timestamp`,
        [workspaceId, userIds, clause.event, since],
      );
    for (const row of rows) {
      if (filtered && !matchesFilters(clause.filters, eventFilterSubject(toTrackedEvent(clause.event, row as Required<typeof row>)))) continue;
      byUser.get(row.user_id)?.[key].push(row.timestamp.getTime());
    }
  }
  return byUser;
}

function toTrackedEvent(
  event: string,
  row: { user_id: string; timestamp: Date; properties: Record<string, unknown>; context: Record<string, unknown>; message_id: string },
): TrackedEvent {
  return {
    userId: row.user_id,
    event,
    properties: row.properties,
    context: row.context,
    timestamp: row.timestamp.toISOString(),
    receivedAt: row.timestamp.toISOString(),
    messageId: row.message_id,
  };
}
