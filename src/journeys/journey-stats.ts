import type { EntityManager } from 'typeorm';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../deliveries/delivery.entity';

export interface JourneyStats {
  entered: number;
  active: number;
  completed: number;
  exited: number;
  converted: number;
  conversionPercent: number | null;
  atStep: { stepKey: string; active: number }[];
  branches: { stepKey: string; branch: string; taken: number }[];
  /** Every delivery status, in life-cycle order, with the journey's deliveries in it (0 included). */
  deliveries: { status: DeliveryStatus; count: number }[];
}

/** What the counts need to know of the journey besides its id. */
export interface StatsShape {
  /** Step keys, in the order the canvas shows them (orders `atStep` and `branches`). */
  stepOrder: string[];
  /** Without a goal, nothing can convert: `conversionPercent` is null rather than 0. */
  hasGoal: boolean;
}

/**
 * Counts over all versions, of live traffic only: test runs (test mode) are left out of every part.
 * The instance counts are one grouped statement, hence one snapshot: under concurrent writes the parts
 * still add up (entered = active + completed + exited, and `atStep` sums to active). It reads the
 * (journey, status, current_step) index; the deliveries, the (workspace, journey, status) one.
 */
export async function journeyStats(manager: EntityManager, workspaceId: string, journeyId: string, { stepOrder, hasGoal }: StatsShape): Promise<JourneyStats> {
  const groups: { status: 'ACTIVE' | 'COMPLETED' | 'EXITED'; step: string | null; converted: boolean; n: number }[] =
    await manager.query(
      `SELECT status, current_step AS step, converted, count(*)::int AS n
         FROM journey_instances WHERE workspace_id = $1 AND journey_id = $2 AND NOT test
        GROUP BY status, current_step, converted`,
      [workspaceId, journeyId],
    );
  const stats: JourneyStats = { entered: 0, active: 0, completed: 0, exited: 0, converted: 0, conversionPercent: null, atStep: [], branches: [], deliveries: [] };
  const atStep = new Map<string, number>();
  for (const { status, step, converted, n } of groups) {
    stats.entered += n;
    if (converted) stats.converted += n;
    if (status === 'ACTIVE') {
      stats.active += n;
      if (step !== null) atStep.set(step, (atStep.get(step) ?? 0) + n);
    } else if (status === 'COMPLETED') {
      stats.completed += n;
    } else {
      stats.exited += n;
    }
  }
  if (hasGoal && stats.entered > 0) stats.conversionPercent = (stats.converted / stats.entered) * 100;
  // Keys of steps no longer in the journey (instances of older versions) come last.
  const order = new Map(stepOrder.map((key, i) => [key, i]));
  const position = (key: string) => order.get(key) ?? Number.MAX_SAFE_INTEGER;
  stats.atStep = [...atStep]
    .map(([stepKey, active]) => ({ stepKey, active }))
    .sort((a, b) => position(a.stepKey) - position(b.stepKey) || a.stepKey.localeCompare(b.stepKey));
  const taken: { step_key: string; branch: string; n: number }[] = await manager.query(
    `SELECT step_key, detail->>'branch' AS branch, count(*)::int AS n
       FROM activities WHERE workspace_id = $1 AND journey_id = $2 AND type = 'BRANCH_TAKEN' AND NOT test
      GROUP BY step_key, detail->>'branch'`,
    [workspaceId, journeyId],
  );
  stats.branches = taken
    .map((row) => ({ stepKey: row.step_key, branch: row.branch, taken: row.n }))
    .sort((a, b) => position(a.stepKey) - position(b.stepKey) || a.stepKey.localeCompare(b.stepKey) || a.branch.localeCompare(b.branch));
  const deliveries: { status: DeliveryStatus; n: number }[] = await manager.query(
    `SELECT status, count(*)::int AS n FROM deliveries WHERE workspace_id = $1 AND journey_id = $2 AND NOT test GROUP BY status`,
    [workspaceId, journeyId],
  );
  const byStatus = new Map(deliveries.map((row) => [row.status, row.n]));
  stats.deliveries = DELIVERY_STATUSES.map((status) => ({ status, count: byStatus.get(status) ?? 0 }));
  return stats;
}
