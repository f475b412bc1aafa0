import { EntityManager } from 'typeorm';
import { queryPrepared } from '../database/prepared-statements';

const userLockKey = (workspaceId: string, userId: string) => `${workspaceId}:${userId}`;

/**
 * Serialises all work on these users' instances, across processes, until the transaction ends. Taken
 * in one round trip and in key order, so that two batches never wait on each other's locks in a cycle.
 */
export async function lockUsers(manager: EntityManager, users: { workspaceId: string; userId: string }[]): Promise<void> {
  const keys = [...new Set(users.map((u) => userLockKey(u.workspaceId, u.userId)))].sort();
  await queryPrepared(manager, 'itinera_lock_users', `SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k) ordered`, [keys]);
}

/**
 * The same locks, for batch work beside the runtime (audience backfills): each taken only if free now,
 * never waited for. Returns the users whose lock was taken.
 */
export async function tryLockUsers(manager: EntityManager, workspaceId: string, userIds: string[]): Promise<Set<string>> {
  const rows: { user_id: string }[] = await manager.query(
    `SELECT user_id FROM unnest($1::text[], $2::text[]) AS u(user_id, lock_key) WHERE pg_try_advisory_xact_lock(hashtextextended(lock_key, 0))`,
    [userIds, userIds.map((userId) => userLockKey(workspaceId, userId))],
  );
  return new Set(rows.map((row) => row.user_id));
}
