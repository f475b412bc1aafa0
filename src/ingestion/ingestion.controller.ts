import { Body, Controller, Headers, HttpCode, HttpException, Logger, Post, UseInterceptors } from '@nestjs/common';
import { IngestionLimitsInterceptor } from '../ingestion-limits/ingestion-limits.interceptor';
import { WorkspaceService } from '../workspaces/workspace.service';
import { bearerToken } from '../workspaces/workspace-tokens';
import { IngestionService } from './ingestion.service';
import { AcceptedMessage, IngestionProblem, MessageType, oversizeProblems, unstorableProblems, validateBatch, validateMessage } from './message-validation';

const fail = (status: number, errors: IngestionProblem[]) => new HttpException({ errors }, status);

/** The Segment-compatible tracking API. A 200 means the messages are committed. */
@Controller('v1')
@UseInterceptors(IngestionLimitsInterceptor)
export class IngestionController {
  private readonly logger = new Logger('ingestion');

  constructor(
    private readonly ingestion: IngestionService,
    private readonly workspaces: WorkspaceService,
  ) {}

  @Post('track')
  @HttpCode(200)
  track(@Body() body: unknown, @Headers('authorization') authorization?: string) {
    return this.single('track', body, authorization);
  }

  @Post('identify')
  @HttpCode(200)
  identify(@Body() body: unknown, @Headers('authorization') authorization?: string) {
    return this.single('identify', body, authorization);
  }

  @Post('page')
  @HttpCode(200)
  page(@Body() body: unknown, @Headers('authorization') authorization?: string) {
    return this.single('page', body, authorization);
  }

  @Post('batch')
  @HttpCode(200)
  async batch(@Body() body: unknown, @Headers('authorization') authorization?: string) {
    const workspaceId = await this.authenticate(body, authorization);
    const items = (body as { batch?: unknown } | null)?.batch;
    if (Array.isArray(items)) {
      this.refuseUnstorable(items, true);
      this.refuseOversize(items, true);
    }
    const { messages, problems } = validateBatch(body, new Date().toISOString());
    if (problems.length) throw fail(400, problems);
    return this.store(workspaceId, messages);
  }

  private async single(type: MessageType, body: unknown, authorization?: string) {
    const workspaceId = await this.authenticate(body, authorization);
    this.refuseUnstorable([body], false);
    this.refuseOversize([body], false);
    const { message, problems } = validateMessage(type, body, new Date().toISOString());
    if (!message) throw fail(400, problems);
    return this.store(workspaceId, [message]);
  }

  private refuseUnstorable(messages: unknown[], batched: boolean) {
    const problems = unstorableProblems(messages, batched);
    if (problems.length) throw fail(400, problems);
  }

  private refuseOversize(messages: unknown[], batched: boolean) {
    const problems = oversizeProblems(messages, batched);
    if (problems.length) throw fail(413, problems);
  }

  private async store(workspaceId: string, messages: AcceptedMessage[]) {
    try {
      await this.ingestion.accept(workspaceId, messages);
    } catch (error) {
      // Nothing was committed: the client must retry, so this is never a 200 nor a 4xx.
      this.logger.error({ msg: 'ingestion failed', error: String(error) });
      throw fail(503, [{ path: '', message: 'events could not be stored right now; retry later' }]);
    }
    return { success: true };
  }

  /** Write key by HTTP Basic (key as user name), Bearer, or a `writeKey` body field (what analytics-node sends). */
  private async authenticate(body: unknown, authorization?: string): Promise<string> {
    const key = writeKeyFrom(body, authorization);
    if (!key) throw fail(401, [{ path: '', message: 'a write key is required (HTTP Basic user, Bearer token, or writeKey field)' }]);
    let workspace;
    try {
      workspace = await this.workspaces.findByWriteKey(key);
    } catch (error) {
      this.logger.error({ msg: 'write key lookup failed', error: String(error) });
      throw fail(503, [{ path: '', message: 'the write key could not be checked right now; retry later' }]);
    }
    if (!workspace) throw fail(401, [{ path: '', message: 'unknown write key' }]);
    return workspace.id;
  }
}

function writeKeyFrom(body: unknown, authorization?: string): string | undefined {
  if (authorization) {
    const basic = /^Basic\s+(\S+)$/i.exec(authorization);
    if (basic) return Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0] || undefined;
    const bearer = bearerToken(authorization);
    if (bearer) return bearer;
  }
  const field = (body as { writeKey?: unknown } | null)?.writeKey;
  return typeof field === 'string' && field.length > 0 ? field : undefined;
}
