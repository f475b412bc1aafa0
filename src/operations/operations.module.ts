import { Module } from '@nestjs/common';
import { DestinationsModule } from '../destinations/destinations.module';
import { DataRetention } from './data-retention';
import { UnloadedPluginsWarning } from './unloaded-plugins-warning';

/** What operators rely on beside the product itself: start-up checks, housekeeping, metrics. */
@Module({
  imports: [DestinationsModule],
  providers: [UnloadedPluginsWarning, DataRetention],
})
export class OperationsModule {}
