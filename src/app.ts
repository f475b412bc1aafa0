import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { json } from 'express';
import { Logger } from 'pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { JsonLogger } from './common/logger';
import { ingestionBodyParser } from './ingestion/ingestion-body-parser';
import { AuthFailureThrottle } from './tokens/auth-failure-throttle';

/** GraphQL documents are small; this bounds what one request can make the server parse. */
const GRAPHQL_BODY_LIMIT = '1mb';

/** Builds the Nest application for `config` (used by main.ts and the test harness alike). */
export async function createApp(config: AppConfig, logger: Logger): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), { bodyParser: false, logger: new JsonLogger(logger) });
  app.use(app.get(AuthFailureThrottle).middleware);
  app.use('/v1', ingestionBodyParser);
  app.use('/graphql', json({ limit: GRAPHQL_BODY_LIMIT }));
  return app;
}
