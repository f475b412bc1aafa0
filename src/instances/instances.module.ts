import { Module } from '@nestjs/common';
import { ActivityModule } from '../activity/activity.module';
import { AudiencesModule } from '../audiences/audiences.module';
import { DeliveriesModule } from '../deliveries/deliveries.module';
import { FrequencyCapsModule } from '../frequency-caps/frequency-caps.module';
import { JourneyLifecycleListener } from '../journeys/journey-lifecycle';
import { PublishedJourneys } from '../journeys/published-journeys';
import { InstanceWorkers } from './instance-workers';
import { JourneyInstanceResolver } from './journey-instance.resolver';
import { JourneyInstanceService } from './journey-instance.service';
import { JourneyRuntime } from './journey-runtime.service';
import { RuntimeLifecycleListener } from './runtime-lifecycle-listener';
import { VersionMoves } from './version-moves';
import { RuntimeWriters } from './runtime-writes';
import { TestRuns } from './test-runs';

/**
 * Runs published journeys: applies events and timers to instances through the pure engine. Binds the
 * journeys module's JourneyLifecycleListener port; the journeys and profiles modules import it.
 */
@Module({
  imports: [ActivityModule, DeliveriesModule, AudiencesModule, FrequencyCapsModule],
  providers: [
    PublishedJourneys,
    JourneyRuntime,
    RuntimeWriters,
    InstanceWorkers,
    VersionMoves,
    JourneyInstanceService,
    JourneyInstanceResolver,
    TestRuns,
    { provide: JourneyLifecycleListener, useClass: RuntimeLifecycleListener },
  ],
  exports: [JourneyRuntime, JourneyInstanceService, JourneyLifecycleListener, TestRuns],
})
export class InstancesModule {}
