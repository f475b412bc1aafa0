import type { EntityManager } from 'typeorm';

/** Which of these users are test profiles of the workspace (what the runtime asks before test entries). */
export async function testProfilesAmong(manager: EntityManager, workspaceId: string, userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows: { user_id: string }[] = await manager.query(
    'SELECT user_id FROM workspace_test_profiles WHERE workspace_id = $1 AND user_id = ANY($2::text[])',
    [workspaceId, userIds],
  );
  return new Set(rows.map((row) => row.user_id));
}
