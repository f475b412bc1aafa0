import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isUuid } from '../common/cursor';
import { badUserInput, DomainError, invalidState, notFound, type Problem } from '../common/errors';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { JourneyDefinition } from '../engine';
import type { JourneyInputShape } from '../journeys/journey-input-shapes';
import { QueueService } from '../queue/queue.service';
import { replayStoredEvents, type ReplayOutcome, type ReplayProgress } from './backtest-replay';
import type { BacktestResultType, BacktestStatus, BacktestType } from './simulation.graphql-types';
import { SimulationService } from './simulation.service';

export const BACKTESTS_QUEUE = 'backtests';

/** A backtest job stops, FAILED with the reason, after this long: a period that needs more is better cut in parts. */
export const BACKTEST_MAX_SECONDS = 45 * 60;

export interface BacktestJob {
  backtestId: string;
}

interface BacktestRow {
  id: string;
  workspace_id: string;
  journey_id: string | null;
  journey_name: string;
  definition: JourneyDefinition;
  from_at: Date;
  to_at: Date;
  status: BacktestStatus;
  events_total: string | null;
  events_replayed: string;
  users_replayed: string;
  result: BacktestResultType | null;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

/**
 * `backtestJourney`: replays a period of stored events against a journey (see `replayStoredEvents`). Up to
 * `backtestInlineEvents` events it answers at once; a longer one is a `backtests` job that records its
 * progress in its row after every page and stops between pages once cancelled.
 */
@Injectable()
export class BacktestService {
  private readonly logger = new Logger('backtests');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: QueueService,
    private readonly simulations: SimulationService,
  ) {}

  async start(
    workspaceId: string,
    request: { journeyId?: string | null; journey?: JourneyInputShape | null; from: Date; to: Date },
  ): Promise<BacktestType> {
    const problems: Problem[] = [];
    if (!(request.from.getTime() < request.to.getTime())) problems.push({ path: 'to', message: 'must be after from (the period is [from, to))' });
    // The journey's problems and the period's are listed together.
    const runnable = await this.simulations.runnable(workspaceId, request).catch((error: unknown) => {
      if (!(error instanceof DomainError) || error.code !== 'BAD_USER_INPUT' || !error.problems) throw error;
      problems.push(...error.problems);
      return null;
    });
    if (!runnable || problems.length > 0) throw badUserInput(problems);

    const [{ n }]: { n: string }[] = await this.dataSource.query(
      `SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE workspace_id = $1 AND received_at >= $2 AND received_at < $3 LIMIT $4) e`,
      [workspaceId, request.from, request.to, this.config.backtestInlineEvents + 1],
    );
    const inline = Number(n) <= this.config.backtestInlineEvents;
    const created = await this.dataSource.transaction(async (manager) => {
      const [row]: BacktestRow[] = await manager.query(
        `INSERT INTO backtests (workspace_id, journey_id, journey_name, definition, from_at, to_at, status, events_total)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [workspaceId, runnable.journeyId, runnable.name, runnable.definition, request.from, request.to, inline ? 'RUNNING' : 'QUEUED', inline ? Number(n) : null],
      );
      if (!inline) await this.queue.enqueue([{ queue: BACKTESTS_QUEUE, data: { backtestId: row.id } satisfies BacktestJob }], manager);
      return row;
    });
    // A queued backtest is answered as created: a worker may already have started it once the job committed.
    if (!inline) return toBacktest(created);
    await this.run(created.id);
    return (await this.find(workspaceId, created.id))!;
  }

  async find(workspaceId: string, id: string): Promise<BacktestType | null> {
    if (!isUuid(id)) return null;
    const [row]: BacktestRow[] = await this.dataSource.query('SELECT * FROM backtests WHERE id = $1 AND workspace_id = $2', [id, workspaceId]);
    return row ? toBacktest(row) : null;
  }

  /** Stops a QUEUED or RUNNING backtest (the job stops after its current page); a CANCELLED one stays so. */
  async cancel(workspaceId: string, id: string): Promise<BacktestType> {
    const found = await this.find(workspaceId, id);
    if (!found) throw notFound('backtest', id);
    if (found.status === 'DONE' || found.status === 'FAILED') throw invalidState(`backtest is ${found.status}; only a QUEUED or RUNNING one can be cancelled`);
    await this.dataSource.query(
      `UPDATE backtests SET status = 'CANCELLED', finished_at = now(), updated_at = now() WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')`,
      [id],
    );
    return (await this.find(workspaceId, id))!;
  }

  /**
   * Runs a backtest to its end, or until it is cancelled. A retried job starts over: counts are kept only at
   * the end. `observe` sees each page's progress before it is recorded (tests use it to cancel mid-run).
   */
  async run(id: string, observe?: (progress: ReplayProgress) => Promise<void>): Promise<void> {
    // An UPDATE answers [rows, count] through TypeORM, even with RETURNING.
    const [[row]]: [BacktestRow[], number] = await this.dataSource.query(
      `UPDATE backtests SET status = 'RUNNING', events_replayed = 0, users_replayed = 0, updated_at = now()
       WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING *`,
      [id],
    );
    if (!row) return;
    const started = Date.now();
    try {
      if (row.events_total === null) {
        const [{ n }]: { n: string }[] = await this.dataSource.query(
          'SELECT count(*) AS n FROM events WHERE workspace_id = $1 AND received_at >= $2 AND received_at < $3',
          [row.workspace_id, row.from_at, row.to_at],
        );
        await this.dataSource.query('UPDATE backtests SET events_total = $2 WHERE id = $1', [id, Number(n)]);
      }
      const runnable = { journeyId: row.journey_id, name: row.journey_name, version: 0, definition: row.definition };
      const outcome: ReplayOutcome = await replayStoredEvents(this.dataSource.manager, row.workspace_id, runnable, { from: row.from_at, to: row.to_at }, {
        pageSize: this.config.backtestPageEvents,
        afterPage: async (progress) => {
          await observe?.(progress);
          if (Date.now() - started > BACKTEST_MAX_SECONDS * 1000) throw new Error(`stopped after ${BACKTEST_MAX_SECONDS / 60} minutes; backtest a shorter period`);
          return this.recordProgress(id, progress);
        },
      });
      if (!outcome.finished) return;
      await this.dataSource.query(
        `UPDATE backtests SET status = 'DONE', result = $2, events_replayed = $3, users_replayed = $4, finished_at = now(), updated_at = now()
         WHERE id = $1 AND status = 'RUNNING'`,
        [id, outcome.result, outcome.progress.eventsReplayed, outcome.progress.usersReplayed],
      );
    } catch (error) {
      this.logger.error({ msg: 'backtest failed', backtestId: id, error: error instanceof Error ? error.stack : String(error) });
      await this.dataSource.query(
        `UPDATE backtests SET status = 'FAILED', error = $2, finished_at = now(), updated_at = now() WHERE id = $1 AND status = 'RUNNING'`,
        [id, error instanceof Error ? error.message : String(error)],
      );
    }
  }

  /** False once the backtest was cancelled: the replay stops there. */
  private async recordProgress(id: string, progress: ReplayProgress): Promise<boolean> {
    const [, updated]: [unknown[], number] = await this.dataSource.query(
      `UPDATE backtests SET events_replayed = $2, users_replayed = $3, updated_at = now() WHERE id = $1 AND status = 'RUNNING'`,
      [id, progress.eventsReplayed, progress.usersReplayed],
    );
    return updated > 0;
  }
}

function toBacktest(row: BacktestRow): BacktestType {
  const total = row.events_total === null ? null : Number(row.events_total);
  const replayed = Number(row.events_replayed);
  return {
    id: row.id,
    journeyId: row.journey_id,
    journeyName: row.journey_name,
    from: row.from_at,
    to: row.to_at,
    status: row.status,
    eventsTotal: total,
    eventsReplayed: replayed,
    usersReplayed: Number(row.users_replayed),
    progress: row.status === 'DONE' ? 1 : total ? Math.min(1, replayed / total) : 0,
    result: row.result,
    error: row.error,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}
