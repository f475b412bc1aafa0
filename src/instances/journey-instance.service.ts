import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { checkPageSize, isUuid } from '../common/cursor';
import { decodeKeysetCursor, keysetPage } from '../common/keyset-page';
import type { InstanceStatus } from '../engine';
import { INSTANCE_COLUMNS, toInstanceState, type InstanceRow } from './instance-row';
import { JourneyInstanceConnection, JourneyInstanceType } from './journey-instance.graphql-types';

export const DEFAULT_INSTANCE_PAGE = 50;
export const MAX_INSTANCE_PAGE = 200;

/** One row of a profile's Journeys tab. */
export interface JourneyOfUser {
  journeyId: string;
  timesEntered: number;
  active: JourneyInstanceType[];
}

/** Read side of instances for the admin API; the runtime writes them. */
@Injectable()
export class JourneyInstanceService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(workspaceId: string, id: string): Promise<JourneyInstanceType | null> {
    if (!isUuid(id)) return null;
    const rows: InstanceRow[] = await this.dataSource.query(`SELECT ${INSTANCE_COLUMNS} FROM journey_instances WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      id,
    ]);
    return rows[0] ? toInstance(rows[0]) : null;
  }

  async list(
    workspaceId: string,
    filter: { journeyId: string; userId?: string | null; status?: InstanceStatus | null; test?: boolean | null },
    first: number,
    after?: string | null,
  ): Promise<JourneyInstanceConnection> {
    checkPageSize(first, MAX_INSTANCE_PAGE);
    if (!isUuid(filter.journeyId)) return { nodes: [], pageInfo: { hasNextPage: false, endCursor: null }, totalCount: 0 };
    const where = ['workspace_id = $1', 'journey_id = $2'];
    const params: unknown[] = [workspaceId, filter.journeyId];
    if (filter.userId) where.push(`user_id = $${params.push(filter.userId)}`);
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.test != null) where.push(`test = $${params.push(filter.test)}`);
    const counted = where.join(' AND ');
    const countParams = [...params];
    if (after) {
      const [enteredAt, id] = decodeKeysetCursor(after, ['timestamp', 'uuid']);
      where.push(`(entered_at, id) > ($${params.push(enteredAt)}::timestamptz, $${params.push(id)}::uuid)`);
    }
    const [rows, total] = await Promise.all([
      this.dataSource.query(
        `SELECT ${INSTANCE_COLUMNS} FROM journey_instances WHERE ${where.join(' AND ')} ORDER BY entered_at, id LIMIT $${params.push(first + 1)}`,
        params,
      ) as Promise<InstanceRow[]>,
      this.dataSource.query(`SELECT count(*)::int AS n FROM journey_instances WHERE ${counted}`, countParams) as Promise<{ n: number }[]>,
    ]);
    const page = keysetPage(rows, first, after, (row) => [row.entered_at.toISOString(), row.id]);
    return { nodes: page.rows.map(toInstance), totalCount: total[0].n, pageInfo: page.pageInfo };
  }

  /**
   * The profile's Journeys tab: per journey the user entered (first entered first), how many times, and
   * the instances still active. Both reads share one snapshot, so the counts and the active instances agree
   * while the user's instances change. Instances are found through the workspace's journeys and the
   * (journey, user) index, and only active ones are loaded whole: a user may have entered thousands of times.
   */
  async journeysOfUser(workspaceId: string, userId: string): Promise<JourneyOfUser[]> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const entered: { journey_id: string; times_entered: number }[] = await manager.query(
        `SELECT i.journey_id, count(*)::int AS times_entered
           FROM journeys j JOIN journey_instances i ON i.journey_id = j.id AND i.user_id = $2
          WHERE j.workspace_id = $1
          GROUP BY i.journey_id
          ORDER BY min(i.entered_at), i.journey_id`,
        [workspaceId, userId],
      );
      const active: InstanceRow[] = await manager.query(
        `SELECT ${INSTANCE_COLUMNS} FROM journey_instances WHERE workspace_id = $1 AND user_id = $2 AND status = 'ACTIVE' ORDER BY entered_at, id`,
        [workspaceId, userId],
      );
      return entered.map((row) => ({
        journeyId: row.journey_id,
        timesEntered: row.times_entered,
        active: active.filter((instance) => instance.journey_id === row.journey_id).map(toInstance),
      }));
    });
  }
}

/** The admin API's view of an instance: its state, with timestamps as dates. */
function toInstance(row: InstanceRow): JourneyInstanceType {
  const { stepSeq: _stepSeq, visits: _visits, context, ...state } = toInstanceState(row);
  return {
    ...state,
    context: context as unknown as Record<string, unknown>,
    enteredAt: row.entered_at,
    endedAt: row.ended_at,
    waitingUntil: row.waiting_until,
  };
}
