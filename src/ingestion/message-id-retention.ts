import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';


/**
 * messageIds are remembered for 24 hours (deduplication); older ones are dropped so the table
 * stays the size of one day's traffic. Any number of workers may run this at once.
 */
@Injectable()
export class MessageIdRetention {
  private readonly logger = new Logger('housekeeping');
  /** Rows removed per statement, so the purge never holds long locks or bloats one transaction. */
  batchSize = 10_000;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Cron(CronExpression.EVERY_10_MINUTES)
  async purgeExpired(): Promise<number> {
    if (this.config.role === 'api') return 0;
    let purged = 0;
    for (;;) {
      // TypeORM answers a DELETE with [rows, affected count].
      const [, deleted]: [unknown[], number] = await this.dataSource.query(
        `DELETE FROM message_ids WHERE ctid IN (
           SELECT ctid FROM message_ids WHERE received_at < now() - interval '24 hours' LIMIT $1 FOR UPDATE SKIP LOCKED)`,
        [this.batchSize],
      );
      purged += deleted;
      if (deleted < this.batchSize) break;
    }
    if (purged) this.logger.log({ msg: 'expired messageIds purged', purged });
    return purged;
  }
}
