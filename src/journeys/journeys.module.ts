import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JourneyFlowResolver } from './journey-flow.resolver';
import { JourneyVersion } from './journey-version.entity';
import { Journey } from './journey.entity';
import { JourneyResolver } from './journey.resolver';
import { JourneyService } from './journey.service';

/**
 * Journey definitions, their versions and the admin API over them. Destination and audience checks and
 * the archive hook come from providers registered elsewhere (DestinationCatalog, AudienceCatalog,
 * JourneyLifecycleListener); without them those checks are skipped and archiving only changes the status.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Journey, JourneyVersion])],
  providers: [JourneyService, JourneyResolver, JourneyFlowResolver],
  exports: [JourneyService, TypeOrmModule],
})
export class JourneysModule {}
