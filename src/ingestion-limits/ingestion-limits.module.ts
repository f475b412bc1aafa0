import { Global, Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module';
import { DroppedEventsResolver } from './dropped-events.resolver';
import { IngestionLimits } from './ingestion-limits';

/** Ingestion rate limits, applied by the tracking API controller. */
@Global()
@Module({
  imports: [TokensModule],
  providers: [IngestionLimits, DroppedEventsResolver],
  exports: [IngestionLimits, TokensModule],
})
export class IngestionLimitsModule {}
