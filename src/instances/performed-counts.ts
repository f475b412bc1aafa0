import { EntityManager } from 'typeorm';
import { durationToMs } from '../common/duration';
import { matchesFilters, performedClauseKey, type TrackedEvent } from '../engine';
import { eventFilterSubject } from '../engine';
import type { Performed } from '../journeys/journey-definition';

/** Counts, per `performed` clause, the user's matching events within the clause's window (from the indexed event log). */
export async function countPerformed(
  manager: EntityManager,
  workspaceId: string,
  userId: string,
  clauses: Performed[],
  now: Date,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const clause of clauses) {
    const key = performedClauseKey(clause);
    if (key in counts) continue;
    const windowMs = clause.within ? durationToMs(clause.within) : null;
    const since = windowMs ? new Date(now.getTime() - windowMs) : new Date(0);
    const rows: { event: string; properties: Record<string, unknown>; context: Record<string, unknown>; timestamp: Date; message_id: string }[] =
      await manager.query(
        `SELECT event, properties, context, timestamp, message_id FROM events
         WHERE workspace_id = $1 AND user_id = $2 AND event = $3 AND timestamp >= $4 AND timestamp <= $5`,
        [workspaceId, userId, clause.event, since, now],
      );
    counts[key] = clause.filters.length
      ? rows.filter((row) =>
          matchesFilters(
            clause.filters,
            eventFilterSubject({
              userId,
              event: row.event,
              properties: row.properties,
              context: row.context,
              timestamp: row.timestamp.toISOString(),
              receivedAt: row.timestamp.toISOString(),
              messageId: row.message_id,
            } satisfies TrackedEvent),
          ),
        ).length
      : rows.length;
  }
  return counts;
}
