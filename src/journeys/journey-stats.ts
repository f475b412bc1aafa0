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
  /** Sends held back where they came due (quiet hours, and other limits with their own reasons). */
  sendsDeferred: SendReasonCount[];
  sendsSkipped: SendReasonCount[];
  /** Every delivery status, in life-cycle order, with the journey's deliveries in it (0 included). */
  deliveries: { status: DeliveryStatus; count: number }[];
}

export interface SendReasonCount {
  stepKey: string;
  reason: string;
  count: number;
}

/** What the counts need to know of the journey besides its id. */
export interface StatsShape {
  /** Step keys, in the order the canvas shows them (orders `atStep` and `branches`). */
  stepOrder: string[];
  /** Without a goal, nothing can convert: `conversionPercent` is null rather than 0. */
  hasGoal: boolean;
}

/**
 * Counts of live traffic only: test runs (test mode) are left out of every part. Over all versions, or
 * over the instances that run `version` now when it is given (a moved instance counts where it is).
 * The instance counts are one grouped statement, hence one snapshot: under concurrent writes the parts
 * still add up (entered = active + completed + exited, and `atStep` sums to active). It reads the
 * (journey, status, current_step) index; the deliveries, the (workspace, journey, status) one.
 */
export async function journeyStats(
  manager: EntityManager,
  workspaceId: string,
  journeyId: string,
  { stepOrder, hasGoal }: StatsShape,
  version?: number,
): Promise<JourneyStats> {
  const versionParam = version === undefined ? [] : [version];
  const ofVersionInstances =
    version === undefined ? '' : 'AND instance_id IN (SELECT id FROM journey_instances WHERE journey_id = $2 AND journey_version = $3 AND NOT test)';
  const groups: { status: 'ACTIVE' | 'COMPLETED' | 'EXITED'; step: string | null; converted: boolean; n: number }[] =
    await manager.query(
      `SELECT status, current_step AS step, converted, count(*)::int AS n
         FROM journey_instances WHERE workspace_id = $1 AND journey_id = $2 AND NOT test ${version === undefined ? '' : 'AND journey_version = $3'}
        GROUP BY status, current_step, converted`,
      [workspaceId, journeyId, ...versionParam],
    );
  const stats: JourneyStats = {
    entered: 0,
    active: 0,
    completed: 0,
    exited: 0,
    converted: 0,
    conversionPercent: null,
    atStep: [],
    branches: [],
    sendsDeferred: [],
    sendsSkipped: [],
    deliveries: [],
  };
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
  // Branches taken and sends held back, counted from their activity records in one statement.
  const counted: { type: 'BRANCH_TAKEN' | 'SEND_DEFERRED' | 'SEND_SKIPPED'; step_key: string; label: string; n: number }[] = await manager.query(
    `SELECT type, step_key, COALESCE(CASE type WHEN 'BRANCH_TAKEN' THEN detail->>'branch' ELSE detail->>'reason' END, '') AS label, count(*)::int AS n
       FROM activities WHERE workspace_id = $1 AND journey_id = $2 AND NOT test AND type IN ('BRANCH_TAKEN', 'SEND_DEFERRED', 'SEND_SKIPPED')
        ${ofVersionInstances}
      GROUP BY type, step_key, 3`,
    [workspaceId, journeyId, ...versionParam],
  );
  const inOrder = <T extends { stepKey: string }>(rows: T[], label: (row: T) => string) =>
    rows.sort((a, b) => position(a.stepKey) - position(b.stepKey) || a.stepKey.localeCompare(b.stepKey) || label(a).localeCompare(label(b)));
  stats.branches = inOrder(
    counted.filter((row) => row.type === 'BRANCH_TAKEN').map((row) => ({ stepKey: row.step_key, branch: row.label, taken: row.n })),
    (row) => row.branch,
  );
  const heldBack = (type: 'SEND_DEFERRED' | 'SEND_SKIPPED') =>
    inOrder(
      counted.filter((row) => row.type === type).map((row) => ({ stepKey: row.step_key, reason: row.label || 'UNKNOWN', count: row.n })),
      (row) => row.reason,
    );
  stats.sendsDeferred = heldBack('SEND_DEFERRED');
  stats.sendsSkipped = heldBack('SEND_SKIPPED');
  const deliveries: { status: DeliveryStatus; n: number }[] = await manager.query(
    `SELECT status, count(*)::int AS n FROM deliveries WHERE workspace_id = $1 AND journey_id = $2 AND NOT test ${ofVersionInstances} GROUP BY status`,
    [workspaceId, journeyId, ...versionParam],
  );
  const byStatus = new Map(deliveries.map((row) => [row.status, row.n]));
  stats.deliveries = DELIVERY_STATUSES.map((status) => ({ status, count: byStatus.get(status) ?? 0 }));
  return stats;
}
