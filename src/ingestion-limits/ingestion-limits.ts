import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RateBucket } from './rate-bucket';

/** Buckets of profiles that are full again are forgotten past this many, so memory stays bounded. */
const MAX_PROFILE_BUCKETS = 100_000;
/** Drop counts are written at most this often, so a flooding profile does not cost a write per request. */
const FLUSH_EVERY_MS = 1000;

/** Who a message is about, as the per-profile limit keys it. */
export interface LimitedMessage {
  userId?: unknown;
  anonymousId?: unknown;
}

/**
 * What the limits leave of one tracking API request: refused whole (over the workspace's rate: nothing
 * is stored), every message dropped (acknowledged as if stored), or admitted, with the batch's kept
 * messages when some of its profiles were over their rate.
 */
export type LimitedRequest =
  | { outcome: 'refused'; retryAfterSeconds: number }
  | { outcome: 'dropped' }
  | { outcome: 'admitted'; keptBatch?: unknown[] };

/**
 * The ingestion limits of one API process: events per second per workspace (over it the request is refused,
 * nothing stored) and per profile (events over it are dropped, and counted per workspace and day).
 */
@Injectable()
export class IngestionLimits implements OnApplicationShutdown {
  private readonly logger = new Logger('ingestion-limits');
  private readonly workspaces = new Map<string, RateBucket>();
  private readonly profiles = new Map<string, RateBucket>();
  private readonly unflushedDrops = new Map<string, number>();
  private readonly flushTimer: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {
    this.flushTimer = setInterval(() => void this.flushDrops(), FLUSH_EVERY_MS).unref();
  }

  /** Applies both limits to a request's body: a batch's messages, or the body as the one message. */
  limitRequest(workspaceId: string, body: unknown, now = Date.now()): LimitedRequest {
    const batch = (body as { batch?: unknown } | null)?.batch;
    const messages = (Array.isArray(batch) ? batch : [body]).map((message) => (typeof message === 'object' && message !== null ? message : {})) as LimitedMessage[];
    const retryAfterSeconds = this.workspaceRetryAfter(workspaceId, messages.length, now);
    if (retryAfterSeconds > 0) return { outcome: 'refused', retryAfterSeconds };
    const admitted = this.admitProfiles(workspaceId, messages, now);
    if (admitted.every(Boolean)) return { outcome: 'admitted' };
    const kept = Array.isArray(batch) ? batch.filter((_, index) => admitted[index]) : [];
    return kept.length === 0 ? { outcome: 'dropped' } : { outcome: 'admitted', keptBatch: kept };
  }

  /** Seconds the workspace must wait before sending `count` more events, or 0 when they may go through. */
  workspaceRetryAfter(workspaceId: string, count: number, now = Date.now()): number {
    const rate = this.config.ingestRatePerWorkspace;
    if (rate <= 0) return 0;
    let bucket = this.workspaces.get(workspaceId);
    if (!bucket) this.workspaces.set(workspaceId, (bucket = new RateBucket(rate, now)));
    const taken = bucket.takeAll(count, now);
    return taken.ok ? 0 : taken.retryAfterSeconds;
  }

  /** For each message, whether its profile is within its limit; the others are counted as dropped. */
  admitProfiles(workspaceId: string, messages: LimitedMessage[], now = Date.now()): boolean[] {
    const rate = this.config.ingestRatePerProfile;
    if (rate <= 0) return messages.map(() => true);
    const admitted = messages.map((message) => {
      const key = profileKey(workspaceId, message);
      if (key === null) return true;
      let bucket = this.profiles.get(key);
      if (!bucket) {
        if (this.profiles.size >= MAX_PROFILE_BUCKETS) this.forgetFullBuckets(now);
        this.profiles.set(key, (bucket = new RateBucket(rate, now)));
      }
      return bucket.takeOne(now);
    });
    const dropped = admitted.filter((ok) => !ok).length;
    if (dropped > 0) this.unflushedDrops.set(workspaceId, (this.unflushedDrops.get(workspaceId) ?? 0) + dropped);
    return admitted;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flushDrops();
  }

  /** Writes the drop counts gathered since the last flush. */
  async flushDrops(): Promise<void> {
    if (this.unflushedDrops.size === 0) return;
    const drops = [...this.unflushedDrops];
    this.unflushedDrops.clear();
    try {
      await this.dataSource.query(
        `INSERT INTO ingestion_drops (workspace_id, day, dropped)
         SELECT w, current_date, n FROM unnest($1::uuid[], $2::bigint[]) AS d(w, n)
         ON CONFLICT (workspace_id, day) DO UPDATE SET dropped = ingestion_drops.dropped + EXCLUDED.dropped`,
        [drops.map(([workspaceId]) => workspaceId), drops.map(([, count]) => count)],
      );
      for (const [workspaceId, dropped] of drops) this.logger.warn({ msg: 'events dropped by the per-profile ingestion limit', workspaceId, dropped });
    } catch (error) {
      this.logger.error({ msg: 'could not record dropped events', error: String(error) });
    }
  }

  private forgetFullBuckets(now: number): void {
    for (const [key, bucket] of this.profiles) if (bucket.isFull(now)) this.profiles.delete(key);
    if (this.profiles.size >= MAX_PROFILE_BUCKETS) this.profiles.clear();
  }
}

function profileKey(workspaceId: string, message: LimitedMessage): string | null {
  const userId = idText(message.userId);
  const anonymousId = idText(message.anonymousId);
  const id = userId !== null ? `u:${userId}` : anonymousId !== null ? `a:${anonymousId}` : null;
  return id === null ? null : `${workspaceId}\u0000${id}`;
}

function idText(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value.length > 0 ? value : null;
}
