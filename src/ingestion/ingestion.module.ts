import { DynamicModule, Module } from '@nestjs/common';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AllowedOriginsResolver } from './allowed-origins.resolver';
import { AllowedOrigins } from './allowed-origins.service';
import { IngestionController } from './ingestion.controller';
import { IngestionService } from './ingestion.service';
import { MessageIdRetention } from './message-id-retention';
import { StrandedEventsReconciler } from './stranded-events-reconciler';
import { SourceSettingsController } from './source-settings.controller';
import { WorkspaceEventCatalog } from './workspace-event-catalog';

@Module({})
export class IngestionModule {
  /** The HTTP API is served by api processes only; housekeeping runs in workers. */
  static register({ serveHttp }: { serveHttp: boolean }): DynamicModule {
    return {
      module: IngestionModule,
      imports: [WorkspacesModule],
      controllers: serveHttp ? [IngestionController, SourceSettingsController] : [],
      providers: [IngestionService, WorkspaceEventCatalog, MessageIdRetention, StrandedEventsReconciler, AllowedOrigins, AllowedOriginsResolver],
      exports: [IngestionService, StrandedEventsReconciler],
    };
  }
}
