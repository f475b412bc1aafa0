import { DataSource, EntityManager } from 'typeorm';

/**
 * Messages of users whose profile was deleted with `suppress: true` are acknowledged and dropped:
 * what is left to store. One indexed lookup per request, of the request's own users.
 */
export async function withoutSuppressedUsers<M extends { userId: string }>(db: DataSource | EntityManager, workspaceId: string, messages: M[]): Promise<M[]> {
  if (messages.length === 0) return messages;
  const rows: { user_id: string }[] = await db.query(`SELECT user_id FROM suppressed_profiles WHERE workspace_id = $1 AND user_id = ANY($2::text[])`, [
    workspaceId,
    [...new Set(messages.map((message) => message.userId))],
  ]);
  if (rows.length === 0) return messages;
  const suppressed = new Set(rows.map((row) => row.user_id));
  return messages.filter((message) => !suppressed.has(message.userId));
}

export interface SuppressedProfile {
  userId: string;
  suppressedAt: Date;
}

export async function suppressProfile(manager: EntityManager, workspaceId: string, userId: string): Promise<void> {
  await manager.query(`INSERT INTO suppressed_profiles (workspace_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [workspaceId, userId]);
}

/** Returns whether the user was suppressed. */
export async function unsuppressProfile(db: DataSource, workspaceId: string, userId: string): Promise<boolean> {
  const [, count]: [unknown[], number] = await db.query(`DELETE FROM suppressed_profiles WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, userId]);
  return count > 0;
}

/** By userId, from `after` (exclusive). */
export async function listSuppressedProfiles(db: DataSource, workspaceId: string, first: number, after: string | null): Promise<SuppressedProfile[]> {
  const rows: { user_id: string; suppressed_at: Date }[] = await db.query(
    `SELECT user_id, suppressed_at FROM suppressed_profiles WHERE workspace_id = $1 AND ($2::text IS NULL OR user_id > $2) ORDER BY user_id LIMIT $3`,
    [workspaceId, after, first],
  );
  return rows.map((row) => ({ userId: row.user_id, suppressedAt: row.suppressed_at }));
}
