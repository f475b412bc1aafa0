import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JourneyFlowResolver } from './journey-flow.resolver';
import { AudiencesModule } from '../audiences/audiences.module';
import { DestinationsModule } from '../destinations/destinations.module';
import { InstancesModule } from '../instances/instances.module';
import { JourneyVersion } from './journey-version.entity';
import { Journey } from './journey.entity';
import { JourneyResolver } from './journey.resolver';
import { JourneyService } from './journey.service';
import { RunnableDefinitions } from './runnable-definitions';
import { JourneyVersionResolver, JourneyVersionStatsResolver } from './journey-version.resolver';
import { JourneyVersionService } from './journey-versions.service';
import { JourneyTestResolver } from './journey-test.resolver';
import { JourneyTests } from './journey-tests';

/**
 * Journey definitions, their versions and the admin API over them. Its ports (DestinationCatalog,
 * AudienceCatalog, JourneyLifecycleListener) are bound by the modules imported here; a missing binding
 * fails at boot rather than silently skipping a check or the end of instances on archive.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Journey, JourneyVersion]), DestinationsModule, AudiencesModule, InstancesModule],
  providers: [JourneyService, JourneyTests, RunnableDefinitions, JourneyResolver, JourneyFlowResolver, JourneyTestResolver, JourneyVersionService, JourneyVersionResolver, JourneyVersionStatsResolver],
  exports: [JourneyService, JourneyTests, RunnableDefinitions, TypeOrmModule],
})
export class JourneysModule {}
