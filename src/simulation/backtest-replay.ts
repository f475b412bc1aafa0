import type { EntityManager } from 'typeorm';
import { JourneySimulation } from '../engine';
import type { RunnableDefinition } from '../journeys/runnable-definitions';
import { BacktestTally } from './backtest-tally';
import type { BacktestResultType } from './simulation.graphql-types';
import { identityOf } from './simulation.service';

export interface ReplayProgress {
  eventsReplayed: number;
  usersReplayed: number;
}

export interface ReplayOptions {
  /** Events read per page: what the replay holds in memory at once, besides one user's simulation. */
  pageSize: number;
  /** After each page; answering false stops the replay there (a cancelled backtest). */
  afterPage?: (progress: ReplayProgress) => Promise<boolean>;
}

export type ReplayOutcome = { finished: true; result: BacktestResultType; progress: ReplayProgress } | { finished: false; progress: ReplayProgress };

interface StoredEvent {
  user_id: string;
  seq: string;
  type: string;
  event: string | null;
  properties: Record<string, unknown>;
  traits: Record<string, unknown> | null;
  context: Record<string, unknown>;
  timestamp: Date;
  received_at: Date;
  message_id: string;
}

/**
 * Replays the workspace's events accepted in `[from, to)` against the journey, user by user: pages in
 * (user, seq) order by keyset, one `JourneySimulation` per user on a clock that reads each event's
 * acceptance time, run on to `to` once the user's last event is in, then counted and dropped. Each user
 * starts with the traits their profile has now (identify calls of the period merge on top) and
 * entered nothing before. Never holds more than one page and one user's instances: records are counted
 * page by page.
 */
export async function replayStoredEvents(
  manager: EntityManager,
  workspaceId: string,
  runnable: RunnableDefinition,
  period: { from: Date; to: Date },
  options: ReplayOptions,
): Promise<ReplayOutcome> {
  const { pageSize } = options;
  const tally = new BacktestTally(runnable.definition);
  const progress: ReplayProgress = { eventsReplayed: 0, usersReplayed: 0 };
  const end = period.to.getTime() - 1;
  let current = null as { userId: string; simulation: JourneySimulation } | null;
  let after: { userId: string; seq: string } | null = null;
  const finishUser = (user: { simulation: JourneySimulation } | null) => {
    if (!user) return;
    user.simulation.advanceTo(end);
    tally.addUser(user.simulation);
    progress.usersReplayed += 1;
  };

  for (;;) {
    const rows: StoredEvent[] = await manager.query(storedEventsPage(after !== null), [
      workspaceId,
      period.from,
      period.to,
      pageSize,
      ...(after ? [after.userId, after.seq] : []),
    ]);
    const traits = await profileTraits(manager, workspaceId, [...new Set(rows.map((row) => row.user_id))].filter((id) => id !== current?.userId));
    for (const row of rows) {
      if (current?.userId !== row.user_id) {
        finishUser(current);
        const simulation = new JourneySimulation({
          definition: runnable.definition,
          journey: identityOf(runnable),
          userId: row.user_id,
          traits: traits.get(row.user_id) ?? {},
        });
        current = { userId: row.user_id, simulation };
      }
      const at = row.received_at.getTime();
      // As the runtime applies them: identify calls change traits, every other call is an event of the user.
      if (row.type === 'identify') current.simulation.identify(row.traits ?? {}, at);
      else {
        current.simulation.track(
          { event: row.event ?? '', properties: row.properties, context: row.context, timestamp: row.timestamp.toISOString(), messageId: row.message_id },
          at,
        );
      }
    }
    progress.eventsReplayed += rows.length;
    if (current) tally.addRecords(current.simulation);
    if (rows.length < pageSize) break;
    after = { userId: rows[rows.length - 1].user_id, seq: rows[rows.length - 1].seq };
    if (options.afterPage && !(await options.afterPage({ ...progress }))) return { finished: false, progress };
  }
  finishUser(current);
  return { finished: true, result: tally.result(), progress };
}

/**
 * One page of the period's events in (user, seq) order, through the index on (workspace, user, seq):
 * `$1` workspace, `$2`..`$3` the period, `$4` the page size, and after the first page `$5`, `$6` the last
 * (user, seq) read.
 */
export function storedEventsPage(afterCursor: boolean): string {
  return `SELECT user_id, seq, type, event, properties, traits, context, timestamp, received_at, message_id FROM events
    WHERE workspace_id = $1 AND received_at >= $2 AND received_at < $3 ${afterCursor ? 'AND (workspace_id, user_id, seq) > ($1, $5, $6::bigint)' : ''}
    ORDER BY workspace_id, user_id, seq LIMIT $4`;
}

async function profileTraits(manager: EntityManager, workspaceId: string, userIds: string[]): Promise<Map<string, Record<string, unknown>>> {
  if (userIds.length === 0) return new Map();
  const rows: { user_id: string; traits: Record<string, unknown> }[] = await manager.query(
    'SELECT user_id, traits FROM profiles WHERE workspace_id = $1 AND user_id = ANY($2::text[])',
    [workspaceId, userIds],
  );
  return new Map(rows.map((row) => [row.user_id, row.traits]));
}
