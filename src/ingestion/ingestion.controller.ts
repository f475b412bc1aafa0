import { Body, Controller, HttpCode, HttpException, Logger, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { IngestionLimits } from '../ingestion-limits/ingestion-limits';
import { WorkspaceService } from '../workspaces/workspace.service';
import { AllowedOrigins } from './allowed-origins.service';
import { refuseOriginNotAllowed } from './ingestion-cors';
import { IngestionService } from './ingestion.service';
import { writeKeyOf } from './write-key';
import { AcceptedMessage, IngestionProblem, MessageType, oversizeProblems, unstorableProblems, validateBatch, validateMessage } from './message-validation';

const fail = (status: number, errors: IngestionProblem[]) => new HttpException({ errors }, status);

/** The Segment-compatible tracking API. A 200 means the messages are committed. */
@Controller('v1')
export class IngestionController {
  private readonly logger = new Logger('ingestion');

  constructor(
    private readonly ingestion: IngestionService,
    private readonly workspaces: WorkspaceService,
    private readonly allowedOrigins: AllowedOrigins,
    private readonly limits: IngestionLimits,
  ) {}

  // The server-side libraries post to the full names; the browser library to the first letter of the type.
  @Post(['track', 't'])
  @HttpCode(200)
  track(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.single('track', body, req, res);
  }

  @Post(['identify', 'i'])
  @HttpCode(200)
  identify(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.single('identify', body, req, res);
  }

  @Post(['page', 'p'])
  @HttpCode(200)
  page(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.single('page', body, req, res);
  }

  @Post(['screen', 's'])
  @HttpCode(200)
  screen(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.single('screen', body, req, res);
  }

  @Post(['group', 'g'])
  @HttpCode(200)
  group(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.single('group', body, req, res);
  }

  @Post(['alias', 'a'])
  @HttpCode(200)
  alias(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.single('alias', body, req, res);
  }

  /** `/v1/b`: the browser library's batching strategy and the mobile libraries. */
  @Post(['batch', 'b'])
  @HttpCode(200)
  async batch(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const workspaceId = await this.authenticate(body, req, res);
    if (this.limit(workspaceId, body, res) === 'dropped') return { success: true };
    const items = (body as { batch?: unknown } | null)?.batch;
    if (Array.isArray(items)) {
      this.refuseUnstorable(items, true);
      this.refuseOversize(items, true);
    }
    const { messages, problems } = validateBatch(body, new Date().toISOString());
    if (problems.length) throw fail(400, problems);
    return this.store(workspaceId, messages);
  }

  private async single(type: MessageType, body: unknown, req: Request, res: Response) {
    const workspaceId = await this.authenticate(body, req, res);
    if (this.limit(workspaceId, body, res) === 'dropped') return { success: true };
    this.refuseUnstorable([body], false);
    this.refuseOversize([body], false);
    const { message, problems } = validateMessage(type, body, new Date().toISOString());
    if (!message) throw fail(400, problems);
    return this.store(workspaceId, [message]);
  }

  /**
   * The workspace's and the profiles' ingestion limits, before validation: a request over the workspace's
   * rate is refused whole; a batch loses the messages of profiles over theirs (in place).
   */
  private limit(workspaceId: string, body: unknown, res: Response): 'dropped' | 'admitted' {
    const limited = this.limits.limitRequest(workspaceId, body);
    if (limited.outcome === 'refused') {
      res.setHeader('Retry-After', String(limited.retryAfterSeconds));
      throw fail(429, [{ path: '', message: `over this workspace's ingestion rate limit; nothing was stored, retry in ${limited.retryAfterSeconds} s` }]);
    }
    if (limited.outcome === 'admitted' && limited.keptBatch) (body as { batch: unknown[] }).batch = limited.keptBatch;
    return limited.outcome;
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

  /**
   * Write key by HTTP Basic (key as user name), Bearer, or a `writeKey` body field (what analytics-node
   * and the browser library send); then the workspace's origin allowlist, for requests from browsers.
   */
  private async authenticate(body: unknown, req: Request, res: Response): Promise<string> {
    const key = writeKeyOf(req.headers.authorization, body);
    if (!key) throw fail(401, [{ path: '', message: 'a write key is required (HTTP Basic user, Bearer token, or writeKey field)' }]);
    let workspace;
    try {
      workspace = await this.workspaces.findByWriteKey(key);
    } catch (error) {
      this.logger.error({ msg: 'write key lookup failed', error: String(error) });
      throw fail(503, [{ path: '', message: 'the write key could not be checked right now; retry later' }]);
    }
    if (!workspace) throw fail(401, [{ path: '', message: 'unknown write key' }]);
    await refuseOriginNotAllowed(this.allowedOrigins, workspace.id, req, res);
    return workspace.id;
  }
}
