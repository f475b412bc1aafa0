import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { lockUsers } from '../instances/user-lock';
import { instanceTransitions } from '../metrics/metrics';
import { suppressProfile } from './suppressed-profiles';

/** What `deleteProfile` erased, table by table. */
export interface ProfileDeletionCounts {
  profiles: number;
  events: number;
  instances: number;
  /** Of `instances`, those still active: ended with reason `deleted` (their timers and sends do nothing). */
  activeInstancesEnded: number;
  activities: number;
  audienceMemberships: number;
  deliveries: number;
  /** Waiting or finished queue jobs that named the user (its events job, its instances' timers, its sends). */
  jobs: number;
  suppressed: boolean;
}

/**
 * Erases everything Itinera holds about one user of a workspace, in one transaction under the user's
 * lock: the runtime cannot be applying the user's events meanwhile, and ingestion of the user waits on
 * the profile row. A job already running for the user afterwards finds nothing to act on.
 */
@Injectable()
export class ProfileDeletion {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  deleteProfile(workspaceId: string, userId: string, { suppress }: { suppress: boolean }): Promise<ProfileDeletionCounts> {
    return this.dataSource.transaction(async (manager) => {
      await lockUsers(manager, [{ workspaceId, userId }]);
      if (suppress) await suppressProfile(manager, workspaceId, userId);
      const user = [workspaceId, userId];
      const erase = async (sql: string, params: unknown[] = user) => ((await manager.query(sql, params)) as [unknown[], number])[1];

      const profiles = await erase(`DELETE FROM profiles WHERE workspace_id = $1 AND user_id = $2`);
      // A DELETE answers [rows, count] through TypeORM, also with RETURNING.
      const [instanceRows]: [{ id: string; status: string; journey_id: string; test: boolean }[], number] = await manager.query(
        `DELETE FROM journey_instances WHERE workspace_id = $1 AND user_id = $2 RETURNING id, status, journey_id, test`,
        user,
      );
      // Test runs were never in the metrics (they count live traffic).
      for (const row of instanceRows.filter((instance) => instance.status === 'ACTIVE' && !instance.test)) instanceTransitions.inc({ journey_id: row.journey_id, transition: 'exited' });
      const [deliveryRows]: [{ id: string }[], number] = await manager.query(`DELETE FROM deliveries WHERE workspace_id = $1 AND user_id = $2 RETURNING id`, user);
      const counts: ProfileDeletionCounts = {
        profiles,
        events: await erase(`DELETE FROM events WHERE workspace_id = $1 AND user_id = $2`),
        instances: instanceRows.length,
        activeInstancesEnded: instanceRows.filter((row) => row.status === 'ACTIVE').length,
        activities: await erase(`DELETE FROM activities WHERE workspace_id = $1 AND user_id = $2`),
        audienceMemberships: await erase(`DELETE FROM audience_memberships WHERE workspace_id = $1 AND user_id = $2`),
        deliveries: deliveryRows.length,
        jobs: await eraseJobs(manager, workspaceId, userId, deliveryRows.map((row) => row.id)),
        suppressed: suppress,
      };
      await erase(`DELETE FROM event_cursors WHERE workspace_id = $1 AND user_id = $2`);
      await erase(`DELETE FROM audience_rechecks WHERE workspace_id = $1 AND user_id = $2`);
      await erase(`DELETE FROM audience_known_profiles WHERE workspace_id = $1 AND user_id = $2`);
      await erase(`DELETE FROM workspace_test_profiles WHERE workspace_id = $1 AND user_id = $2`);
      return counts;
    });
  }
}

/**
 * Jobs carry the user's id (events, timers, audience entries) or a delivery's id in their data. A job
 * running now is left to finish: it finds nothing, and pg-boss archives it. The job tables are
 * scanned: deletions are rare, and the tables are kept small by retention.
 */
async function eraseJobs(manager: EntityManager, workspaceId: string, userId: string, deliveryIds: string[]): Promise<number> {
  let erased = 0;
  for (const table of ['pgboss.job', 'pgboss.archive']) {
    const [, count]: [unknown[], number] = await manager.query(
      `DELETE FROM ${table} WHERE state <> 'active'
         AND ((data->>'workspaceId' = $1 AND data->>'userId' = $2) OR data->>'deliveryId' = ANY($3::text[]))`,
      [workspaceId, userId, deliveryIds],
    );
    erased += count;
  }
  return erased;
}
