import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable, of } from 'rxjs';
import { writeKeyOf } from '../ingestion/write-key';
import { WRITE_KEY_KINDS } from '../tokens/credential.entity';
import { CredentialService } from '../tokens/credential.service';
import { IngestionLimits, type LimitedMessage } from './ingestion-limits';

/**
 * Applies the ingestion limits before a tracking API handler runs: over the workspace's rate the request is
 * answered 429 with Retry-After and nothing is stored; messages of profiles over their rate are taken out
 * of the request (a request left empty is acknowledged as the handler would). A request without a known
 * write key passes untouched, for the handler to refuse.
 */
@Injectable()
export class IngestionLimitsInterceptor implements NestInterceptor {
  constructor(
    private readonly limits: IngestionLimits,
    private readonly credentials: CredentialService,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<Request>();
    const key = writeKeyOf(request.headers.authorization, request.body);
    const found = key ? await this.credentials.authenticate(key, WRITE_KEY_KINDS).catch(() => null) : null;
    if (!found) return next.handle();

    const batch = (request.body as { batch?: unknown } | null)?.batch;
    const messages = (Array.isArray(batch) ? batch : [request.body]).map((message) => (typeof message === 'object' && message !== null ? message : {})) as LimitedMessage[];
    const retryAfter = this.limits.workspaceRetryAfter(found.workspace.id, messages.length);
    if (retryAfter > 0) {
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfter));
      throw new HttpException({ errors: [{ path: '', message: `over this workspace's ingestion rate limit; nothing was stored, retry in ${retryAfter} s` }] }, 429);
    }

    const admitted = this.limits.admitProfiles(found.workspace.id, messages);
    if (admitted.every(Boolean)) return next.handle();
    if (!Array.isArray(batch)) return of({ success: true });
    const kept = batch.filter((_, index) => admitted[index]);
    if (kept.length === 0) return of({ success: true });
    (request.body as { batch: unknown[] }).batch = kept;
    return next.handle();
  }
}
