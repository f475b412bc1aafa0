import { Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { QueueService } from '../queue/queue.service';
import { BACKTEST_MAX_SECONDS, BACKTESTS_QUEUE, BacktestService, type BacktestJob } from './backtest.service';

/** Longer than a backtest may run: only a dead worker's job is tried again (from the start). */
const BACKTEST_JOB_EXPIRE_SECONDS = BACKTEST_MAX_SECONDS + 15 * 60;

/** Runs long backtests in worker processes, one at a time per process: they are bulk reads, not latency-bound. */
@Injectable()
export class BacktestWorker implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly queue: QueueService,
    private readonly backtests: BacktestService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    // Every role enqueues (the API answers backtestJourney).
    await this.queue.defineQueue({ name: BACKTESTS_QUEUE, retryLimit: 2, retryDelaySeconds: 5, expireInSeconds: BACKTEST_JOB_EXPIRE_SECONDS });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role === 'api') return;
    await this.queue.work<BacktestJob>(BACKTESTS_QUEUE, { concurrency: 1, durableFetch: false }, (job) => this.backtests.run(job.data.backtestId));
  }
}
