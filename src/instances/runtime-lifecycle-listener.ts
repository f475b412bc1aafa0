import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { JourneyLifecycleListener } from '../journeys/journey-lifecycle';
import type { VersionMigration } from '../journeys/journey-version.entity';
import { QueueService } from '../queue/queue.service';
import { JourneyRuntime } from './journey-runtime.service';
import { VERSION_MOVES_QUEUE, type VersionMoveJob } from './version-moves';

/** What publishing and archiving mean for running journeys, done in the status change's transaction. */
@Injectable()
export class RuntimeLifecycleListener extends JourneyLifecycleListener {
  constructor(
    private readonly runtime: JourneyRuntime,
    private readonly queue: QueueService,
  ) {
    super();
  }

  async journeyPublished(manager: EntityManager, workspaceId: string, journeyId: string): Promise<void> {
    await this.runtime.admitHistoricalMembers(manager, workspaceId, journeyId);
  }

  /**
   * New entries read the journey's version in their own transaction, so they enter the new one from its
   * commit on. Moving in-flight instances is a job enqueued in the same transaction: it runs after the
   * commit, in batches under the users' locks, and survives a crash.
   */
  async versionPublished(manager: EntityManager, workspaceId: string, journeyId: string, version: number, migration: VersionMigration): Promise<void> {
    if (migration !== 'MOVE_BY_STEP_KEY') return;
    await this.queue.enqueue([{ queue: VERSION_MOVES_QUEUE, data: { workspaceId, journeyId, version } satisfies VersionMoveJob }], manager);
  }

  async journeyArchived(manager: EntityManager, _workspaceId: string, journeyId: string): Promise<void> {
    await this.runtime.endJourneyInstances(manager, journeyId, 'archived');
  }
}
