import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { badUserInput, limitExceeded, type Problem } from '../common/errors';

export interface TestProfile {
  userId: string;
  addedAt: Date;
}

/** A workspace has few test profiles (team members' accounts); the runtime looks them up on every job. */
export const MAX_TEST_PROFILES = 100;
/** The longest userId ingestion accepts. */
const MAX_USER_ID_LENGTH = 255;

/**
 * The workspace's test profiles: the users who enter journeys under test (see journey-tests.ts). Their
 * events are applied as everyone's (published journeys included: they are real users).
 */
@Injectable()
export class TestProfiles {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Oldest first. */
  async list(workspaceId: string): Promise<TestProfile[]> {
    const rows: { user_id: string; added_at: Date }[] = await this.dataSource.query(
      'SELECT user_id, added_at FROM workspace_test_profiles WHERE workspace_id = $1 ORDER BY added_at, user_id',
      [workspaceId],
    );
    return rows.map((row) => ({ userId: row.user_id, addedAt: row.added_at }));
  }

  /** Adding one already there changes nothing and returns it. */
  async add(workspaceId: string, userId: string): Promise<TestProfile> {
    checkUserId(userId);
    return this.dataSource.transaction(async (manager) => {
      // Serialises adds per workspace, so two concurrent ones cannot both take the last place.
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`test-profiles:${workspaceId}`]);
      const known: { user_id: string; added_at: Date }[] = await manager.query(
        'SELECT user_id, added_at FROM workspace_test_profiles WHERE workspace_id = $1 AND user_id = $2',
        [workspaceId, userId],
      );
      if (known[0]) return { userId, addedAt: known[0].added_at };
      const [{ n }]: { n: number }[] = await manager.query('SELECT count(*)::int AS n FROM workspace_test_profiles WHERE workspace_id = $1', [workspaceId]);
      if (n >= MAX_TEST_PROFILES) throw limitExceeded(`the workspace already has ${n} test profiles; the limit is ${MAX_TEST_PROFILES}. Remove one first.`);
      const [row]: { added_at: Date }[] = await manager.query(
        'INSERT INTO workspace_test_profiles (workspace_id, user_id) VALUES ($1, $2) RETURNING added_at',
        [workspaceId, userId],
      );
      return { userId, addedAt: row.added_at };
    });
  }

  /** False when the user was not one. Their running test instances go on (`resetTestProfile` ends them). */
  async remove(workspaceId: string, userId: string): Promise<boolean> {
    const [, removed]: [unknown, number] = await this.dataSource.query(
      'DELETE FROM workspace_test_profiles WHERE workspace_id = $1 AND user_id = $2',
      [workspaceId, userId],
    );
    return removed > 0;
  }
}

/** A userId as ingestion accepts one (a number there is stored as its text). */
function checkUserId(userId: string): void {
  const problems: Problem[] = [];
  if (userId.trim() === '') problems.push({ path: 'userId', message: 'userId must not be empty' });
  else if (userId.length > MAX_USER_ID_LENGTH) problems.push({ path: 'userId', message: `userId is ${userId.length} characters long; the limit is ${MAX_USER_ID_LENGTH}` });
  if (problems.length > 0) throw badUserInput(problems);
}
