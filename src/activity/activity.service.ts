import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { checkPageSize, isUuid } from '../common/cursor';
import { decodeKeysetCursor, keysetPage } from '../common/keyset-page';
import { ActivityConnection, ActivityFilter, ActivityRecord } from './activity.graphql-types';

export const DEFAULT_ACTIVITY_PAGE = 100;
export const MAX_ACTIVITY_PAGE = 500;

interface ActivityRow {
  id: string;
  workspace_id: string;
  journey_id: string;
  instance_id: string;
  user_id: string;
  type: ActivityRecord['type'];
  step_key: string | null;
  detail: Record<string, unknown> | null;
  at: Date;
  test: boolean;
}

/**
 * Reads the activity log. Pages run in id order, so a walk sees every record committed before it began
 * exactly once, whatever is written meanwhile. (A record still uncommitted when a later page is read can
 * land behind the cursor: to follow live activity, use the subscription.)
 */
@Injectable()
export class ActivityService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(workspaceId: string, filter: ActivityFilter, first: number, after?: string | null): Promise<ActivityConnection> {
    checkPageSize(first, MAX_ACTIVITY_PAGE);
    const where = ['workspace_id = $1'];
    const params: unknown[] = [workspaceId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    for (const id of [filter.journeyId, filter.instanceId]) {
      if (id !== undefined && id !== null && !isUuid(id)) return { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } };
    }
    if (filter.journeyId) add('journey_id = ?', filter.journeyId);
    if (filter.instanceId) add('instance_id = ?', filter.instanceId);
    if (filter.userId) add('user_id = ?', filter.userId);
    if (filter.stepKey) add('step_key = ?', filter.stepKey);
    if (filter.types?.length) add('type = ANY(?)', filter.types);
    if (filter.test != null) add('test = ?', filter.test);
    if (filter.from) add('at >= ?', filter.from);
    if (filter.to) add('at < ?', filter.to);
    if (after) add('id > ?', decodeKeysetCursor(after, ['bigint'])[0]);
    params.push(first + 1);
    const rows: ActivityRow[] = await this.dataSource.query(
      `SELECT * FROM activities WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.length}`,
      params,
    );
    const page = keysetPage(rows.map(toRecord), first, after, (record) => [record.id]);
    return { nodes: page.rows, pageInfo: page.pageInfo };
  }

  async timeline(instanceId: string): Promise<ActivityRecord[]> {
    const rows: ActivityRow[] = await this.dataSource.query('SELECT * FROM activities WHERE instance_id = $1 ORDER BY id', [instanceId]);
    return rows.map(toRecord);
  }

  async byIds(workspaceId: string, ids: string[]): Promise<ActivityRecord[]> {
    const rows: ActivityRow[] = await this.dataSource.query(
      'SELECT * FROM activities WHERE workspace_id = $1 AND id = ANY($2::bigint[]) ORDER BY id',
      [workspaceId, ids],
    );
    return rows.map(toRecord);
  }
}

function toRecord(row: ActivityRow): ActivityRecord {
  return {
    id: String(row.id),
    at: row.at,
    type: row.type,
    journeyId: row.journey_id,
    instanceId: row.instance_id,
    userId: row.user_id,
    stepKey: row.step_key,
    detail: row.detail,
    test: row.test,
  };
}
