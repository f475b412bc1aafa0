import { Module } from '@nestjs/common';
import { DestinationsModule } from '../destinations/destinations.module';
import { FrequencyCapsResolver } from './frequency-caps.resolver';
import { FrequencyCaps } from './frequency-caps.service';

/** Workspaces' frequency caps: their settings (admin API) and the check the runtime runs on every send. */
@Module({
  imports: [DestinationsModule],
  providers: [FrequencyCaps, FrequencyCapsResolver],
  exports: [FrequencyCaps],
})
export class FrequencyCapsModule {}
