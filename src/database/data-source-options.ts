import path from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { allMigrations } from '../../migrations';

/** TypeORM options shared by the app, the migration command and ormconfig.ts. Schema changes only through migrations. */
export function dataSourceOptions(url: string, extra: Partial<DataSourceOptions> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: allMigrations,
    migrationsTableName: 'itinera_migrations',
    entities: [path.join(__dirname, '..', '**', '*.entity.{ts,js}')],
    // Enough for the workers' concurrent jobs (see instance-workers.ts, delivery.processor.ts) plus API requests.
    extra: { max: 40 },
    ...extra,
  } as DataSourceOptions;
}
