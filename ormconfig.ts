import { DataSource } from 'typeorm';
import { dataSourceOptions } from './src/database/data-source-options';

/** For the TypeORM CLI (`npm run migration:generate`); the app itself runs migrations on start. */
export default new DataSource(
  dataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/itinera'),
);
