import { DynamicModule, Module } from '@nestjs/common';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { IngestionController } from './ingestion.controller';
import { IngestionService } from './ingestion.service';
import { MessageIdRetention } from './message-id-retention';
import { StrandedEventsReconciler } from './stranded-events-reconciler';

@Module({})
export class IngestionModule {
  /** The HTTP API is served by api processes only; housekeeping runs in workers. */
  static register({ serveHttp }: { serveHttp: boolean }): DynamicModule {
    return {
      module: IngestionModule,
      imports: [WorkspacesModule],
      controllers: serveHttp ? [IngestionController] : [],
      providers: [IngestionService, MessageIdRetention, StrandedEventsReconciler],
      exports: [IngestionService, StrandedEventsReconciler],
    };
  }
}
