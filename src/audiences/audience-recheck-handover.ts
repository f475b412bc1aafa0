import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { QueueService } from '../queue/queue.service';
import { AudienceStore } from './audience-store';
import { wakeUpsFor } from './reevaluate-memberships';

/** Rechecks handed over per transaction. */
const RECHECKS_PER_BATCH = 500;

/**
 * Audience windows slide by wake-ups (delayed user-events jobs) enqueued with each recheck. Rechecks stored
 * before that, when a per-second scan handed them over, have no wake-up yet: a worker gives them one when
 * it starts. Any number of workers may do so at once (SKIP LOCKED); once none is left this does nothing.
 */
@Injectable()
export class AudienceRecheckHandover implements OnApplicationBootstrap {
  private readonly logger = new Logger('audiences');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role === 'api') return;
    let handedOver = 0;
    let batch: number;
    do {
      batch = await this.dataSource.transaction(async (manager) => {
        const rechecks = await AudienceStore.claimNotHandedOver(manager, RECHECKS_PER_BATCH);
        await this.queue.enqueue(wakeUpsFor(rechecks), manager);
        return rechecks.length;
      });
      handedOver += batch;
    } while (batch === RECHECKS_PER_BATCH);
    if (handedOver > 0) this.logger.log({ msg: 'audience rechecks of an earlier version handed over', rechecks: handedOver });
  }
}
