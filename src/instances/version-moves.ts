import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { JourneyDefinition, JourneyStep } from '../engine';
import { ActivityLog } from '../activity/activity-log';
import { PublishedJourneys } from '../journeys/published-journeys';
import { QueueService } from '../queue/queue.service';
import { runtimeTransaction } from './runtime-transaction';
import { userWakeUp } from './user-wake-ups';

/** Moves of in-flight instances to a newly published version (MOVE_BY_STEP_KEY): durable jobs, retried until done. */
export const VERSION_MOVES_QUEUE = 'journey-version-moves';

export interface VersionMoveJob {
  workspaceId: string;
  journeyId: string;
  /** The version published with MOVE_BY_STEP_KEY. */
  version: number;
}

/** Users whose instances one transaction moves: bounds the advisory locks a transaction holds. */
const USERS_PER_MOVE = 200;

/**
 * Moves the active instances of a journey's older versions to `version`, each to the same step key,
 * when that step exists there with the same type; the others stay and finish on their version.
 *
 * Each batch runs under its users' advisory locks, the runtime's own serialisation: no event or timer of
 * those users is being applied meanwhile, so every event is applied by exactly one version's rules. The
 * instance keeps its step, step sequence, visits, context and `waitingUntil`: a pending hold, wait or
 * condition timer keeps its due time, and when it fires the new version's rules for that step apply
 * (the timer names the step key and sequence, which the move leaves as they were). A user waiting for a
 * condition is woken at once, so the new version's condition is checked (and its windows watched) without
 * waiting for their next event.
 *
 * A move goes to the version it was asked for, even when a later one was published before it ran.
 */
@Injectable()
export class VersionMoves {
  private readonly logger = new Logger('version-moves');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly journeys: PublishedJourneys,
    private readonly activity: ActivityLog,
    private readonly queue: QueueService,
  ) {}

  /** Safe to run twice (a redelivered job): it only moves what is still on an older version. */
  async move({ workspaceId, journeyId, version }: VersionMoveJob): Promise<number> {
    const manager = this.dataSource.manager;
    const target = await this.journeys.definition(manager, journeyId, version);
    const waitsForCondition = new Set(target.steps.filter((step) => step.type === 'WAIT_FOR_CONDITION').map((step) => step.key));
    const older: { version: number }[] = await manager.query(
      `SELECT DISTINCT journey_version AS version FROM journey_instances
        WHERE workspace_id = $1 AND journey_id = $2 AND status = 'ACTIVE' AND journey_version < $3`,
      [workspaceId, journeyId, version],
    );
    let moved = 0;
    for (const { version: from } of older) {
      const definition = await this.journeys.definition(manager, journeyId, from);
      const movable = movableStepKeys(definition, target);
      if (movable.length === 0) continue;
      for (;;) {
        const users: { user_id: string }[] = await manager.query(
          `SELECT DISTINCT user_id FROM journey_instances
            WHERE journey_id = $1 AND status = 'ACTIVE' AND journey_version = $2 AND current_step = ANY($3::text[]) LIMIT ${USERS_PER_MOVE}`,
          [journeyId, from, movable],
        );
        if (users.length === 0) break;
        moved += await this.moveUsers({ workspaceId, journeyId, version }, from, movable, waitsForCondition, users.map((user) => user.user_id));
      }
    }
    if (moved > 0) this.logger.log({ msg: 'instances moved to a new version', journeyId, version, moved });
    return moved;
  }

  private moveUsers(
    { workspaceId, journeyId, version: to }: VersionMoveJob,
    from: number,
    movable: string[],
    waitsForCondition: Set<string>,
    userIds: string[],
  ): Promise<number> {
    return runtimeTransaction(
      this.dataSource,
      userIds.map((userId) => ({ workspaceId, userId })),
      async (manager) => {
        // Read again under the locks: the runtime may have moved these instances on (or ended them) meanwhile.
        const rows: { id: string; user_id: string; current_step: string }[] = await manager.query(
          `WITH moved AS (
             UPDATE journey_instances SET journey_version = $4, updated_at = now()
              WHERE journey_id = $1 AND status = 'ACTIVE' AND journey_version = $2 AND current_step = ANY($3::text[]) AND user_id = ANY($5::text[])
             RETURNING id, user_id, current_step)
           SELECT id, user_id, current_step FROM moved`,
          [journeyId, from, movable, to, userIds],
        );
        const at = new Date().toISOString();
        await this.activity.appendMany(
          manager,
          rows.map((row) => ({
            owner: { workspaceId, journeyId, instanceId: row.id, userId: row.user_id },
            drafts: [{ type: 'VERSION_MOVED' as const, stepKey: row.current_step, detail: { from, to }, at }],
          })),
        );
        const now = new Date();
        const wakeUps = rows.filter((row) => waitsForCondition.has(row.current_step)).map((row) => userWakeUp(workspaceId, row.user_id, now, `moved:${row.id}`));
        await this.queue.enqueue(wakeUps, manager);
        return rows.length;
      },
    );
  }
}

/**
 * The steps of `from` whose instances can move to `to`: the same key with the same type, so the instance's
 * state and pending timer mean the same there. Except a condition wait whose deadline the new version
 * drops: the old deadline's timer would still fire and take the new step's (absent) timeout path, so
 * its instances stay.
 */
export function movableStepKeys(from: JourneyDefinition, to: JourneyDefinition): string[] {
  const target = new Map<string, JourneyStep>(to.steps.map((step) => [step.key, step]));
  return from.steps
    .filter((step) => {
      const next = target.get(step.key);
      if (!next || next.type !== step.type) return false;
      if (step.type === 'WAIT_FOR_CONDITION' && next.type === 'WAIT_FOR_CONDITION') return !step.waitForCondition.maxDuration || Boolean(next.waitForCondition.maxDuration);
      return true;
    })
    .map((step) => step.key);
}
