import { Field, ID, Int, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { JourneyType } from './journey.graphql-types';

@ObjectType('EdgeTotal')
export class EdgeTotalType {
  @Field({ description: 'The step the edge leaves.' }) stepKey: string;
  @Field({
    description:
      'Which way out: a hold branch key, `timeout`, `true`/`false` (split), a multi-branch key or `else`, `met` (wait for condition), or `next` (wait and send steps).',
  })
  branch: string;
  @Field(() => Int, { description: 'How many times instances took it, all versions (test runs not counted).' }) taken: number;
}

interface EdgeRow {
  step_key: string;
  type: string;
  branch: string | null;
  taken: number;
}

/**
 * What a canvas draws on a journey's graph besides its definition: totals per edge and the time of the
 * latest activity. Both read the activity log through its (workspace, journey, id) index.
 */
@Resolver(() => JourneyType)
export class JourneyFlowResolver {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @ResolveField(() => [EdgeTotalType], { description: 'How many times each edge of the graph was taken, all versions.' })
  async edgeTotals(@CurrentWorkspace() workspace: Workspace, @Parent() journey: JourneyType): Promise<EdgeTotalType[]> {
    const rows: EdgeRow[] = await this.dataSource.query(
      `SELECT step_key, type, detail->>'branch' AS branch, count(*)::int AS taken
         FROM activities
        WHERE workspace_id = $1 AND journey_id = $2 AND step_key IS NOT NULL AND NOT test
          AND type IN ('HOLD_MATCHED', 'HOLD_TIMED_OUT', 'BRANCH_TAKEN', 'WAIT_ELAPSED', 'WAIT_UNTIL_REACHED', 'STEP_ENTERED')
        GROUP BY step_key, type, detail->>'branch'`,
      [workspace.id, journey.id],
    );
    const sendSteps = new Set(journey.steps.filter((step) => step.type === 'SEND').map((step) => step.key));
    const totals = new Map<string, EdgeTotalType>();
    const add = (stepKey: string, branch: string, taken: number) => {
      const key = `${stepKey}\u0000${branch}`;
      const total = totals.get(key) ?? { stepKey, branch, taken: 0 };
      total.taken += taken;
      totals.set(key, total);
    };
    for (const row of rows) {
      if (row.type === 'HOLD_MATCHED' || row.type === 'BRANCH_TAKEN') add(row.step_key, row.branch ?? 'next', row.taken);
      else if (row.type === 'HOLD_TIMED_OUT') add(row.step_key, 'timeout', row.taken);
      else if (row.type === 'WAIT_ELAPSED' || row.type === 'WAIT_UNTIL_REACHED') add(row.step_key, 'next', row.taken);
      // A send step moves on at once: every visit takes its one edge.
      else if (row.type === 'STEP_ENTERED' && sendSteps.has(row.step_key)) add(row.step_key, 'next', row.taken);
    }
    return [...totals.values()].sort((a, b) => a.stepKey.localeCompare(b.stepKey) || a.branch.localeCompare(b.branch));
  }

  @ResolveField(() => Date, { nullable: true, description: 'When the latest activity record of the journey was written.' })
  async lastActivityAt(@CurrentWorkspace() workspace: Workspace, @Parent() journey: JourneyType): Promise<Date | null> {
    return (await this.latestActivity(workspace.id, journey.id))?.at ?? null;
  }

  @ResolveField(() => ID, {
    nullable: true,
    description: "The latest activity record's id: pass it as Subscription.activity's `after` to follow the journey from what was read.",
  })
  async lastActivityId(@CurrentWorkspace() workspace: Workspace, @Parent() journey: JourneyType): Promise<string | null> {
    return (await this.latestActivity(workspace.id, journey.id))?.id ?? null;
  }

  private async latestActivity(workspaceId: string, journeyId: string): Promise<{ id: string; at: Date } | undefined> {
    // Ordered by the bigint column, not the text alias (where '9' > '10').
    const rows: { id: string; at: Date }[] = await this.dataSource.query(
      'SELECT id::text AS id, at FROM activities WHERE workspace_id = $1 AND journey_id = $2 ORDER BY activities.id DESC LIMIT 1',
      [workspaceId, journeyId],
    );
    return rows[0];
  }
}
