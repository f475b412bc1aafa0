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
    extra: { max: 20 },
    ...extra,
  } as DataSourceOptions;
}
