import { Controller, Get, HttpException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { QueueService } from '../queue/queue.service';

@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
  ) {}

  /** The process is up. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** The process can do its work: the database and the job queue answer. */
  @Get('ready')
  async ready() {
    const checks = await Promise.allSettled([this.dataSource.query('SELECT 1'), this.queue.ping()]);
    const [database, queue] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : `down: ${String(c.reason)}`));
    if (database !== 'ok' || queue !== 'ok') throw new HttpException({ status: 'unavailable', database, queue }, 503);
    return { status: 'ok', database, queue };
  }
}
