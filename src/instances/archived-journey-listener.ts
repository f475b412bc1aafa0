import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { JourneyLifecycleListener } from '../journeys/journey-lifecycle';
import { JourneyRuntime } from './journey-runtime.service';

/** Archiving a journey ends its active instances (reason `archived`) in the archiving transaction. */
@Injectable()
export class ArchivedJourneyListener extends JourneyLifecycleListener {
  constructor(private readonly runtime: JourneyRuntime) {
    super();
  }

  async journeyArchived(manager: EntityManager, _workspaceId: string, journeyId: string): Promise<void> {
    await this.runtime.endJourneyInstances(manager, journeyId, 'archived');
  }
}
