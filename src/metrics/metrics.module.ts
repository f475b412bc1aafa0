import { Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsController } from './metrics.controller';
import { metricsRegistry, QueueDepth, setQueueDepthSource, transactionEnded } from './metrics';

let defaultMetricsStarted = false;

/** GET /metrics, and what the metrics read at scrape time (queue depths). Served by every role. */
@Module({ controllers: [MetricsController] })
export class MetricsModule implements OnModuleInit, OnModuleDestroy {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    // The Node.js runtime's own: event-loop lag, heap, GC, handles (standard names).
    if (!defaultMetricsStarted) collectDefaultMetrics({ register: metricsRegistry });
    defaultMetricsStarted = true;
    setQueueDepthSource(() => this.queueDepths());
    this.dataSource.subscribers.push({
      afterTransactionCommit: ({ queryRunner }) => transactionEnded(queryRunner, true),
      afterTransactionRollback: ({ queryRunner }) => transactionEnded(queryRunner, false),
    });
  }

  onModuleDestroy(): void {
    setQueueDepthSource(null);
  }

  /** Counted over pg-boss's current jobs only (finished ones move to its archive). */
  private async queueDepths(): Promise<QueueDepth[]> {
    const rows: { queue: string; waiting: string; due: string; active: string; oldest_due_seconds: string | null }[] = await this.dataSource.query(
      `SELECT name AS queue,
              count(*) FILTER (WHERE state < 'active') AS waiting,
              count(*) FILTER (WHERE state < 'active' AND start_after <= now()) AS due,
              count(*) FILTER (WHERE state = 'active') AS active,
              EXTRACT(epoch FROM now() - min(start_after) FILTER (WHERE state < 'active' AND start_after <= now())) AS oldest_due_seconds
       FROM pgboss.job WHERE state <= 'active' GROUP BY name`,
    );
    return rows.map((row) => ({
      queue: row.queue,
      waiting: Number(row.waiting),
      due: Number(row.due),
      active: Number(row.active),
      oldestDueSeconds: Number(row.oldest_due_seconds ?? 0),
    }));
  }
}
