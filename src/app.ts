import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { json } from 'express';
import { Logger } from 'pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { JsonLogger } from './common/logger';
import { mountConsole } from './console/mount-console';
import { ingestionBodyParser } from './ingestion/ingestion-body-parser';
import { ingestionCors } from './ingestion/ingestion-cors';
import { collapseLeadingSlashes } from './ingestion/cdn-url-paths';
import { ingestionMetrics } from './metrics/ingestion-metrics';
import { AuthFailureThrottle } from './tokens/auth-failure-throttle';

/** GraphQL documents are small; this bounds what one request can make the server parse. */
const GRAPHQL_BODY_LIMIT = '1mb';

/** Builds the Nest application for `config` (used by main.ts and the test harness alike). */
export async function createApp(config: AppConfig, logger: Logger): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), { bodyParser: false, logger: new JsonLogger(logger) });
  app.use(app.get(AuthFailureThrottle).middleware);
  app.use(collapseLeadingSlashes);
  app.use('/v1', ingestionMetrics, ingestionCors, ingestionBodyParser);
  app.use('/graphql', json({ limit: GRAPHQL_BODY_LIMIT }));
  if (config.role !== 'worker') mountConsole(app);
  return app;
}
