import { Global, Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module';
import { DroppedEventsResolver } from './dropped-events.resolver';
import { IngestionLimits } from './ingestion-limits';
import { IngestionLimitsInterceptor } from './ingestion-limits.interceptor';

/** Ingestion rate limits; global so the tracking API controller can name its interceptor alone. */
@Global()
@Module({
  imports: [TokensModule],
  providers: [IngestionLimits, IngestionLimitsInterceptor, DroppedEventsResolver],
  exports: [IngestionLimits, IngestionLimitsInterceptor, TokensModule],
})
export class IngestionLimitsModule {}
