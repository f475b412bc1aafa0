import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isUuid } from '../common/cursor';
import { notFound } from '../common/errors';
import { endInstance } from '../engine';
import { InstanceStore } from './instance-store';
import { RuntimeWriters, RuntimeWrites } from './runtime-writes';
import { lockUsers } from './user-lock';

/** The exit reason of a test instance ended by `resetTestProfile`, on its timeline. */
export const TEST_RESET_REASON = 'test_reset';

/** What test mode does to instances from outside the runtime's jobs. */
@Injectable()
export class TestRuns {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writers: RuntimeWriters,
  ) {}

  /**
   * Ends the user's active test instances of the journey (EXITED, reason `test_reset`, on their timelines)
   * and sets all their test runs of it aside, so the user can enter its test again, even with entry mode
   * ONCE. Live instances are not touched. Under the user's lock, as the runtime's jobs are: an event
   * applied before it was entered and is reset; one applied after enters afresh; none is applied twice.
   * Returns the number of instances ended.
   */
  async resetTestProfile(workspaceId: string, userId: string, journeyId: string): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const known = isUuid(journeyId) ? await manager.query('SELECT 1 FROM journeys WHERE id = $1 AND workspace_id = $2', [journeyId, workspaceId]) : [];
      if (known.length === 0) throw notFound('journey', journeyId);
      await lockUsers(manager, [{ workspaceId, userId }]);
      const active = await InstanceStore.lockActiveTestRuns(manager, workspaceId, journeyId, userId);
      const writes = new RuntimeWrites();
      const now = new Date().toISOString();
      for (const instance of active) {
        const result = endInstance(instance, TEST_RESET_REASON, now);
        if (result) writes.record(workspaceId, result, false);
      }
      await writes.flush(manager, this.writers);
      await InstanceStore.setTestRunsAside(manager, workspaceId, journeyId, userId);
      return active.length;
    });
  }
}
