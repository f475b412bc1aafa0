import { Global, Module } from '@nestjs/common';
import { ActivityModule } from '../activity/activity.module';
import { JourneyLifecycleListener } from '../journeys/journey-lifecycle';
import { PublishedJourneys } from '../journeys/published-journeys';
import { InstanceWorkers } from './instance-workers';
import { JourneyInstanceResolver } from './journey-instance.resolver';
import { JourneyInstanceService } from './journey-instance.service';
import { JourneyRuntime } from './journey-runtime.service';
import { RuntimeLifecycleListener } from './runtime-lifecycle-listener';

/**
 * Runs published journeys: applies events and timers to instances through the pure engine.
 * Global so the journeys module can reach its lifecycle listener without depending on it.
 */
@Global()
@Module({
  imports: [ActivityModule],
  providers: [
    PublishedJourneys,
    JourneyRuntime,
    InstanceWorkers,
    JourneyInstanceService,
    JourneyInstanceResolver,
    { provide: JourneyLifecycleListener, useClass: RuntimeLifecycleListener },
  ],
  exports: [JourneyRuntime, JourneyInstanceService, JourneyLifecycleListener],
})
export class InstancesModule {}
