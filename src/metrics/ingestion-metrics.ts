import type { NextFunction, Request, Response } from 'express';
import { observeIngestionResponse } from './metrics';

/** Express middleware for /v1: counts and times every ingestion response, whatever answered it (auth, body parser, service). */
export function ingestionMetrics(_request: Request, response: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  response.once('finish', () => observeIngestionResponse(response.statusCode, Number(process.hrtime.bigint() - started) / 1e9));
  next();
}
