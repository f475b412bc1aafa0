import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ActivityLog, type ActivityOwner } from '../activity/activity-log';
import { checkPageSize, decodeCursor, encodeCursor, isUuid } from '../common/cursor';
import { badUserInput } from '../common/errors';
import type { DeliveryRequest } from '../engine';
import { buildPayload, describeProblems } from '../plugin-kit';
import { JobRequest, QueueService } from '../queue/queue.service';
import { DELIVERIES_QUEUE, type DeliveryJob } from './deliveries-queue';
import { Delivery, type DeliveryStatus } from './delivery.entity';
import { DeliveryOrigin, DeliveryScheduler } from './delivery-scheduler';
import { DeliveryTargets } from './delivery-targets';

export interface DeliveryListOptions {
  journeyId?: string | null;
  instanceId?: string | null;
  destinationId?: string | null;
  status?: DeliveryStatus | null;
  first?: number | null;
  after?: string | null;
}

export interface DeliveryPage {
  nodes: Delivery[];
  hasNextPage: boolean;
  endCursor: string | null;
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;
/** Stored as the destination of a send whose destination id is not even an id (the column is a uuid). */
const NO_DESTINATION = '00000000-0000-0000-0000-000000000000';

/** A delivery row as `schedule` writes it: PENDING with a job, or FAILED before any attempt. */
type ScheduledRow = { status: 'PENDING'; payload: Record<string, unknown> } | { status: 'FAILED'; payload: Record<string, unknown>; error: string };

/**
 * The delivery records: created by `schedule` inside the runtime's transaction, advanced by the
 * DeliveryProcessor, read by the admin API.
 */
@Injectable()
export class DeliveryService extends DeliveryScheduler {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly targets: DeliveryTargets,
    private readonly activity: ActivityLog,
    private readonly queue: QueueService,
  ) {
    super();
  }

  /**
   * Stores one delivery per request and enqueues its first attempt, all in `manager`'s transaction.
   * Never throws for a bad send (unknown or disabled destination, a mapping that does not fit the
   * action): that delivery is stored FAILED with the reason and a SEND_FAILED record, and the instance
   * goes on. A request whose idempotency key is already stored is skipped, so a re-run never duplicates.
   */
  async schedule(manager: EntityManager, origin: DeliveryOrigin, requests: DeliveryRequest[]): Promise<void> {
    const jobs: JobRequest[] = [];
    for (const request of requests) {
      const row = await this.prepare(manager, origin, request);
      const deliveryId = await this.insert(manager, origin, request, row);
      if (!deliveryId) continue;
      if (row.status === 'PENDING') {
        jobs.push({ queue: DELIVERIES_QUEUE, data: { deliveryId, attempt: 1 } satisfies DeliveryJob });
      } else {
        await this.activity.append(manager, ownerOf(origin), [
          {
            type: 'SEND_FAILED',
            stepKey: request.stepKey,
            at: new Date().toISOString(),
            detail: { deliveryId, destinationId: request.destinationId, action: request.action, attempts: 0, error: row.error },
          },
        ]);
      }
    }
    await this.queue.enqueue(jobs, manager);
  }

  /** Newest first, by (createdAt, id); the cursor is opaque to callers. */
  async list(workspaceId: string, options: DeliveryListOptions = {}): Promise<DeliveryPage> {
    const size = checkPageSize(options.first ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    const position = options.after == null ? null : positionOf(options.after);
    // An id that is not a uuid matches nothing; it must not reach a uuid cast and fail the query.
    const ids = [options.journeyId, options.instanceId, options.destinationId];
    if (ids.some((id) => id != null && !isUuid(id))) return { nodes: [], hasNextPage: false, endCursor: null };

    const query = this.dataSource
      .getRepository(Delivery)
      .createQueryBuilder('delivery')
      .addSelect('delivery.created_at::text', 'cursor_at')
      .where('delivery.workspace_id = :workspaceId', { workspaceId });
    if (options.journeyId) query.andWhere('delivery.journey_id = :journeyId', { journeyId: options.journeyId });
    if (options.instanceId) query.andWhere('delivery.instance_id = :instanceId', { instanceId: options.instanceId });
    if (options.destinationId) query.andWhere('delivery.destination_id = :destinationId', { destinationId: options.destinationId });
    if (options.status) query.andWhere('delivery.status = :status', { status: options.status });
    if (position) query.andWhere('(delivery.created_at, delivery.id) < (CAST(:at AS timestamptz), CAST(:id AS uuid))', position);
    query.orderBy('delivery.created_at', 'DESC').addOrderBy('delivery.id', 'DESC').limit(size + 1);

    const { entities, raw } = await query.getRawAndEntities<{ cursor_at: string }>();
    const nodes = entities.slice(0, size);
    const last = nodes.length > 0 ? raw[nodes.length - 1] : undefined;
    return {
      nodes,
      hasNextPage: entities.length > size,
      // The cursor keeps PostgreSQL's microseconds, which a JS Date would round away (and repeat rows).
      endCursor: last ? encodeCursor([last.cursor_at, nodes[nodes.length - 1].id]) : null,
    };
  }

  private async prepare(manager: EntityManager, origin: DeliveryOrigin, request: DeliveryRequest): Promise<ScheduledRow> {
    const target = await this.targets.resolve(origin.workspaceId, request.destinationId, request.action, { manager });
    if (!target.found) return { status: 'FAILED', payload: {}, error: target.problem };
    const { payload, problems } = buildPayload(target.action, request.mapping, request.context);
    if (problems.length > 0) {
      const error = `the mapping of step "${request.stepKey}" does not fit ${target.plugin.name}.${request.action}: ${describeProblems(problems)}`;
      return { status: 'FAILED', payload, error };
    }
    return { status: 'PENDING', payload };
  }

  private async insert(manager: EntityManager, origin: DeliveryOrigin, request: DeliveryRequest, row: ScheduledRow): Promise<string | undefined> {
    const inserted: { id: string }[] = await manager.query(
      `INSERT INTO deliveries (workspace_id, journey_id, instance_id, user_id, step_key, destination_id, action, event_name,
                               idempotency_key, status, attempts, last_error, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12)
       ON CONFLICT (workspace_id, idempotency_key) DO NOTHING
       RETURNING id`,
      [
        origin.workspaceId,
        origin.journeyId,
        origin.instanceId,
        origin.userId,
        request.stepKey,
        isUuid(request.destinationId) ? request.destinationId : NO_DESTINATION,
        request.action,
        request.eventName,
        request.idempotencyKey,
        row.status,
        row.status === 'FAILED' ? row.error : null,
        JSON.stringify(row.payload),
      ],
    );
    return inserted[0]?.id;
  }
}

export function ownerOf(delivery: Pick<Delivery, 'workspaceId' | 'journeyId' | 'instanceId' | 'userId'>): ActivityOwner {
  return { workspaceId: delivery.workspaceId, journeyId: delivery.journeyId, instanceId: delivery.instanceId, userId: delivery.userId };
}

/** The (createdAt, id) a cursor names; checked, since a forged one must not reach the casts in the query. */
function positionOf(cursor: string): { at: string; id: string } {
  const [at, id] = decodeCursor(cursor, 2);
  if (Number.isNaN(Date.parse(at)) || !isUuid(id)) throw badUserInput([{ path: 'after', message: 'not a cursor returned by this API' }]);
  return { at, id };
}
