import { HttpException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { AllowedOrigins } from './allowed-origins.service';

/**
 * CORS for the ingestion API, so browser libraries can send from any page. Preflights are answered here
 * without touching the database (they carry no write key); the workspace's own allowlist, when it has
 * one, is applied to the real request once its key is known (see IngestionController).
 */
export function ingestionCors(req: Request, res: Response, next: NextFunction): void {
  allowOrigin(req, res);
  if (req.method !== 'OPTIONS') return next();
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  // The browser library sends Authorization and X-Retry-Count, and its config can add headers of its own.
  res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'Authorization, Content-Type');
  res.setHeader('Access-Control-Max-Age', '86400');
  res.status(204).end();
}

/** Echoes the page's origin (so an allowlist can later withdraw it), and lets the library read Retry-After. */
export function allowOrigin(req: Request, res: Response): void {
  res.vary('Origin');
  const origin = req.headers.origin;
  if (!origin) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
}

/** For a request whose workspace does not allow its origin: the browser will not let the page read the answer. */
function withdrawOrigin(res: Response): void {
  res.removeHeader('Access-Control-Allow-Origin');
  res.removeHeader('Access-Control-Expose-Headers');
}

/** 403 for a browser page whose origin the workspace does not list; the browser gets no CORS grant either. */
export async function refuseOriginNotAllowed(allowedOrigins: AllowedOrigins, workspaceId: string, req: Request, res: Response): Promise<void> {
  const origin = req.headers.origin;
  let allowed: boolean;
  try {
    allowed = await allowedOrigins.allows(workspaceId, origin);
  } catch {
    throw new HttpException({ errors: [{ path: '', message: 'the allowed origins could not be checked right now; retry later' }] }, 503);
  }
  if (allowed) return;
  withdrawOrigin(res);
  throw new HttpException(
    { errors: [{ path: '', message: `this workspace does not accept events from pages on ${origin}; add it with setIngestionAllowedOrigins` }] },
    403,
  );
}
