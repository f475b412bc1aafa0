import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { JourneyLifecycleListener } from '../journeys/journey-lifecycle';
import { JourneyRuntime } from './journey-runtime.service';

/** What publishing and archiving mean for running journeys, done in the status change's transaction. */
@Injectable()
export class RuntimeLifecycleListener extends JourneyLifecycleListener {
  constructor(private readonly runtime: JourneyRuntime) {
    super();
  }

  async journeyPublished(manager: EntityManager, workspaceId: string, journeyId: string): Promise<void> {
    await this.runtime.admitHistoricalMembers(manager, workspaceId, journeyId);
  }

  async journeyArchived(manager: EntityManager, _workspaceId: string, journeyId: string): Promise<void> {
    await this.runtime.endJourneyInstances(manager, journeyId, 'archived');
  }
}
