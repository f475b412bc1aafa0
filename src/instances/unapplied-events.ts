import { EntityManager } from 'typeorm';

export interface EventRow {
  seq: string;
  type: 'track' | 'identify' | 'page';
  event: string | null;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  timestamp: Date;
  received_at: Date;
  message_id: string;
}

/**
 * The user's next `limit` events not yet applied, oldest first, plus one more when more are waiting;
 * the user's cursor moves past the `limit` returned in the same statement (one round trip instead of
 * three). The caller holds the user's lock, and the move commits, or rolls back, with its transaction.
 */
export async function takeUnappliedEvents(manager: EntityManager, workspaceId: string, userId: string, limit: number): Promise<EventRow[]> {
  return manager.query(
    `WITH cursor AS (
       SELECT COALESCE((SELECT applied_seq FROM event_cursors WHERE workspace_id = $1 AND user_id = $2), 0) AS applied_seq
     ), unapplied AS (
       SELECT e.seq, e.type, e.event, e.properties, e.context, e.timestamp, e.received_at, e.message_id
       FROM events e, cursor WHERE e.workspace_id = $1 AND e.user_id = $2 AND e.seq > cursor.applied_seq
       ORDER BY e.seq LIMIT $3::int + 1
     ), moved AS (
       INSERT INTO event_cursors (workspace_id, user_id, applied_seq)
       SELECT $1, $2, max(seq) FROM (SELECT seq FROM unapplied ORDER BY seq LIMIT $3::int) taken HAVING count(*) > 0
       ON CONFLICT (workspace_id, user_id) DO UPDATE SET applied_seq = EXCLUDED.applied_seq
     )
     SELECT * FROM unapplied ORDER BY seq`,
    [workspaceId, userId, limit],
  );
}
