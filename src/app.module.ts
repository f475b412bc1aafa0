import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AudiencesModule } from './audiences/audiences.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { dataSourceOptions } from './database/data-source-options';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { DestinationsModule } from './destinations/destinations.module';
import { GraphqlApiModule } from './graphql-api.module';
import { HealthModule } from './health/health.module';
import { IngestionModule } from './ingestion/ingestion.module';
import { IngestionLimitsModule } from './ingestion-limits/ingestion-limits.module';
import { InstancesModule } from './instances/instances.module';
import { SimulationModule } from './simulation/simulation.module';
import { JourneysModule } from './journeys/journeys.module';
import { MetricsModule } from './metrics/metrics.module';
import { OperationsModule } from './operations/operations.module';
import { ProfilesModule } from './profiles/profiles.module';
import { TestModeModule } from './test-mode/test-mode.module';
import { QueueModule } from './queue/queue.module';
import { WorkspacesModule } from './workspaces/workspaces.module';

/** The application for one process role: `api` serves HTTP and GraphQL, `worker` runs jobs, `all` does both. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const serves = config.role !== 'worker';
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot({ ...dataSourceOptions(config.databaseUrl), entities: [], autoLoadEntities: true }),
        ScheduleModule.forRoot(),
        QueueModule,
        IngestionLimitsModule,
        IngestionModule.register({ serveHttp: serves }),
        HealthModule,
        WorkspacesModule,
        ProfilesModule,
        DestinationsModule,
        DeliveriesModule,
        JourneysModule,
        InstancesModule,
        AudiencesModule,
        SimulationModule,
        TestModeModule,
        OperationsModule,
        MetricsModule,
        ...(serves ? [GraphqlApiModule] : []),
      ],
    };
  }
}
