import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ActivityLog, type ActivityEntry, type ActivityOwner } from '../activity/activity-log';
import { checkPageSize, decodeCursor, encodeCursor, isUuid } from '../common/cursor';
import { badUserInput } from '../common/errors';
import type { DeliveryRequest } from '../engine';
import { buildPayload, describeProblems } from '@itinera/plugin-kit';
import { JobRequest, QueueService } from '../queue/queue.service';
import { DELIVERIES_QUEUE, type DeliveryJob } from './deliveries-queue';
import type { UnmappedPayload } from './deferred-mapping';
import { Delivery, type DeliveryStatus } from './delivery.entity';
import { DeliveryOrigin, DeliveryScheduler, type ScheduledSends } from './delivery-scheduler';
import { DeliveryTarget, DeliveryTargets } from './delivery-targets';

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
type ScheduledRow =
  | { status: 'PENDING'; payload: Record<string, unknown>; unmapped?: UnmappedPayload }
  | { status: 'FAILED'; payload: Record<string, unknown>; error: string };

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
   * Stores one delivery per request and enqueues its first attempt, all in `manager`'s transaction,
   * for many instances at once (a runtime batch): one insert and one enqueue in all.
   * Never throws for a bad send (unknown or disabled destination, a mapping that does not fit the
   * action): that delivery is stored FAILED with the reason and a SEND_FAILED record, and the instance
   * goes on. A request whose idempotency key is already stored is skipped, so a re-run never duplicates.
   */
  async schedule(manager: EntityManager, sends: ScheduledSends[]): Promise<void> {
    const resolve = this.targets.resolverForBatch({ manager });
    const rows: { origin: DeliveryOrigin; request: DeliveryRequest; row: ScheduledRow; transactional: boolean }[] = [];
    for (const { origin, requests, transactional } of sends) {
      for (const request of requests) {
        rows.push({ origin, request, row: prepare(await resolve(origin.workspaceId, request.destinationId, request.action), request), transactional: !!transactional });
      }
    }
    if (rows.length === 0) return;
    const ids = await this.insert(manager, rows);
    const jobs: JobRequest[] = [];
    const failures: ActivityEntry[] = [];
    rows.forEach(({ origin, request, row }, index) => {
      const deliveryId = ids[index];
      if (!deliveryId) return;
      if (row.status === 'PENDING') {
        jobs.push({ queue: DELIVERIES_QUEUE, data: { deliveryId, attempt: 1, destinationId: request.destinationId, workspaceId: origin.workspaceId } satisfies DeliveryJob });
        return;
      }
      failures.push({
        owner: ownerOf(origin),
        drafts: [
          {
            type: 'SEND_FAILED',
            stepKey: request.stepKey,
            at: new Date().toISOString(),
            detail: { deliveryId, destinationId: request.destinationId, action: request.action, attempts: 0, error: row.error },
          },
        ],
      });
    });
    await this.activity.appendMany(manager, failures);
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

  /** The new rows' ids, in the order given; none where the idempotency key was already stored. */
  private async insert(
    manager: EntityManager,
    rows: { origin: DeliveryOrigin; request: DeliveryRequest; row: ScheduledRow; transactional: boolean }[],
  ): Promise<(string | undefined)[]> {
    const inserted: { id: string; idempotency_key: string }[] = await manager.query(
      `INSERT INTO deliveries (workspace_id, journey_id, instance_id, user_id, step_key, destination_id, action, event_name,
                               idempotency_key, status, attempts, last_error, payload, unmapped, transactional, test)
       SELECT d.workspace_id, d.journey_id, d.instance_id, d.user_id, d.step_key, d.destination_id, d.action, d.event_name,
              d.idempotency_key, d.status, 0, d.last_error, d.payload, d.unmapped, d.transactional, d.test
       FROM jsonb_to_recordset($1::jsonb) AS d(workspace_id uuid, journey_id uuid, instance_id uuid, user_id text, step_key text,
              destination_id uuid, action text, event_name text, idempotency_key text, status text, last_error text, payload jsonb,
              unmapped jsonb, transactional boolean, test boolean, ord bigint)
       ORDER BY d.ord
       ON CONFLICT (workspace_id, idempotency_key) DO NOTHING
       RETURNING id, idempotency_key`,
      [
        JSON.stringify(
          rows.map(({ origin, request, row, transactional }, ord) => ({
            ord,
            transactional,
            workspace_id: origin.workspaceId,
            journey_id: origin.journeyId,
            instance_id: origin.instanceId,
            user_id: origin.userId,
            step_key: request.stepKey,
            destination_id: isUuid(request.destinationId) ? request.destinationId : NO_DESTINATION,
            action: request.action,
            event_name: request.eventName ?? null,
            idempotency_key: request.idempotencyKey,
            status: row.status,
            last_error: row.status === 'FAILED' ? row.error : null,
            payload: row.payload,
            unmapped: row.status === 'PENDING' ? (row.unmapped ?? null) : null,
            test: origin.test === true,
          })),
        ),
      ],
    );
    const byKey = new Map(inserted.map((row) => [row.idempotency_key, row.id]));
    // Keys are unique per workspace; a batch spans workspaces only for different instances, whose keys differ.
    return rows.map(({ request }) => byKey.get(request.idempotencyKey));
  }
}

function prepare(target: DeliveryTarget, request: DeliveryRequest): ScheduledRow {
  if (!target.found && target.reason === 'plugin-not-loaded') return { status: 'PENDING', payload: {}, unmapped: { mapping: request.mapping, context: request.context } };
  if (!target.found) return { status: 'FAILED', payload: {}, error: target.problem };
  const { payload, problems } = buildPayload(target.action, request.mapping, request.context);
  if (problems.length > 0) {
    const error = `the mapping of step "${request.stepKey}" does not fit ${target.plugin.name}.${request.action}: ${describeProblems(problems)}`;
    return { status: 'FAILED', payload, error };
  }
  return { status: 'PENDING', payload };
}

export function ownerOf(delivery: Pick<Delivery, 'workspaceId' | 'journeyId' | 'instanceId' | 'userId'> & { test?: boolean }): ActivityOwner {
  return { workspaceId: delivery.workspaceId, journeyId: delivery.journeyId, instanceId: delivery.instanceId, userId: delivery.userId, test: delivery.test };
}

/** The (createdAt, id) a cursor names; checked, since a forged one must not reach the casts in the query. */
function positionOf(cursor: string): { at: string; id: string } {
  const [at, id] = decodeCursor(cursor, 2);
  if (Number.isNaN(Date.parse(at)) || !isUuid(id)) throw badUserInput([{ path: 'after', message: 'not a cursor returned by this API' }]);
  return { at, id };
}
