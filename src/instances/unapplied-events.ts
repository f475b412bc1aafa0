import { EntityManager } from 'typeorm';
import { queryPrepared } from '../database/prepared-statements';

export interface EventRow {
  seq: string;
  type: 'track' | 'identify' | 'page' | 'screen';
  event: string | null;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  timestamp: Date;
  received_at: Date;
  message_id: string;
}

export interface UserKey {
  workspaceId: string;
  userId: string;
}

export const userKeyOf = ({ workspaceId, userId }: UserKey) => `${workspaceId}:${userId}`;

/**
 * Each user's next `limit` events not yet applied, oldest first, plus one more when more are waiting
 * (only events ingestion marked as to apply: one that no journey could read when it was accepted is
 * passed over, see WorkspaceEventCatalog); every user's cursor moves past the `limit` returned in the
 * same statement (one round trip for a whole batch of users). The caller holds the users' locks; the moves commit, or roll back, with its
 * transaction. Keyed by `userKeyOf`.
 *
 * Moving the cursor past every event read is safe only because ingestion makes each user's acceptance
 * order its commit order (see IngestionService.accept): no smaller `seq` of the user can commit later.
 */
export async function takeUnappliedEvents(manager: EntityManager, users: UserKey[], limit: number): Promise<Map<string, EventRow[]>> {
  const unique = [...new Map(users.map((user) => [userKeyOf(user), user])).values()];
  const rows = await queryPrepared<(EventRow & { workspace_id: string; user_id: string })>(manager, 'itinera_take_unapplied_events',
    `WITH users AS (
       SELECT * FROM unnest($1::uuid[], $2::text[]) AS u(workspace_id, user_id)
     ), unapplied AS (
       SELECT u.workspace_id, u.user_id, e.seq, e.type, e.event, e.properties, e.context, e.timestamp, e.received_at, e.message_id,
              row_number() OVER (PARTITION BY u.workspace_id, u.user_id ORDER BY e.seq) AS position
       FROM users u CROSS JOIN LATERAL (
         SELECT * FROM events e
         WHERE e.workspace_id = u.workspace_id AND e.user_id = u.user_id AND e.applies
           AND e.seq > COALESCE((SELECT applied_seq FROM event_cursors c WHERE c.workspace_id = u.workspace_id AND c.user_id = u.user_id), 0)
         ORDER BY e.seq LIMIT $3::int + 1) e
     ), moved AS (
       INSERT INTO event_cursors (workspace_id, user_id, applied_seq)
       SELECT workspace_id, user_id, max(seq) FROM unapplied WHERE position <= $3::int GROUP BY workspace_id, user_id
       ON CONFLICT (workspace_id, user_id) DO UPDATE SET applied_seq = EXCLUDED.applied_seq
     )
     SELECT * FROM unapplied ORDER BY workspace_id, user_id, seq`,
    [unique.map((u) => u.workspaceId), unique.map((u) => u.userId), limit],
  );
  const byUser = new Map<string, EventRow[]>(unique.map((user) => [userKeyOf(user), []]));
  for (const { workspace_id, user_id, ...row } of rows) byUser.get(userKeyOf({ workspaceId: workspace_id, userId: user_id }))!.push(row);
  return byUser;
}
