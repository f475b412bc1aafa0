import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { ActivityLog, type ActivityEntry } from '../activity/activity-log';
import { eachAloneOnFailure, GroupedCall, GroupedLoad } from '../common/grouped-call';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DestinationService } from '../destinations/destination.service';
import { SettingsUnreadableError } from '../destinations/settings-cipher';
import { RetryableError, secretValues, type ActionDefinition } from '@itinera/plugin-kit';
import { JobRequest, QueueService } from '../queue/queue.service';
import { reportAttempt } from './attempt-report';
import { DELIVERIES_QUEUE, type DeliveryJob } from './deliveries-queue';
import { payloadToSend } from './deferred-mapping';
import { PERFORM_DEADLINE_MS, performAttempt, performBatchAttempt, type AttemptInput, type AttemptOutcome } from './delivery-attempt';
import { batchingFor, DeliveryBatches } from './delivery-batches';
import { Delivery, isFinalStatus, type DeliveryStatus } from './delivery.entity';
import { mayRetry, nextAttemptDelayMs } from './delivery-retry';
import { ownerOf } from './delivery.service';
import { DeliveryCapacity } from './delivery-capacity';
import { DestinationRates } from './destination-rates';
import { DeliveryTarget, DeliveryTargets } from './delivery-targets';
import { pluginLogger } from '../destinations/plugin-logger';

/** A job whose destination or workspace has no free slot in this process runs again this much later (plus up to as much again). */
const DEFER_MS = 1_000;
/** On shutdown, in-flight attempts get this long to finish before their signal aborts them. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Runs delivery attempts: one job per attempt. Retries are ours, not pg-boss's: a retryable failure
 * records RETRYING with its error and enqueues the next attempt with exponential backoff, in the same
 * transaction, so `attempts` and `lastError` are exact. pg-boss's own retry only covers a worker that
 * crashed mid-attempt (the job expires and runs again: at-least-once, hence the idempotency key).
 */
@Injectable()
export class DeliveryProcessor implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('deliveries');
  private readonly shutdown = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private draining = false;
  /** Outcomes recorded together: those known while the previous record was being written. */
  private readonly outcomes = new GroupedCall<RecordedAttempt>((recorded) =>
    eachAloneOnFailure(recorded, (items) => this.record(items), (item, error) =>
      this.logger.error({ msg: 'could not record a delivery attempt', deliveryId: item.delivery.id, attempt: item.attempt, error: String(error) }),
    ),
  );
  private readonly deliveries = new GroupedLoad((ids: string[]) => this.loadWithTargets(ids));
  private readonly capacity: DeliveryCapacity;
  /** Deliveries to an action with `performBatch`, grouped per destination and action; each keeps its own outcome. */
  private readonly batches = new DeliveryBatches<{ action: ActionDefinition; input: AttemptInput }, AttemptOutcome>((items) =>
    performBatchAttempt(items[0].action, items.map((item) => item.input), { deadlineMs: PERFORM_DEADLINE_MS, signal: this.shutdown.signal }),
  );
  /** Jobs put back for later, enqueued together. */
  private readonly deferrals = new GroupedCall<{ job: DeliveryJob; at: Date }>((deferred) =>
    this.queue.enqueue(deferred.map(({ job, at }) => ({ queue: DELIVERIES_QUEUE, data: job, startAfter: at }))),
  );
  private readonly rates: DestinationRates;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly targets: DeliveryTargets,
    private readonly destinations: DestinationService,
    private readonly activity: ActivityLog,
  ) {
    this.capacity = new DeliveryCapacity(config.deliveryConcurrency);
    this.rates = new DestinationRates(dataSource);
  }

  async onModuleInit(): Promise<void> {
    // Defined by every role: whichever process schedules a delivery enqueues into it.
    await this.queue.defineQueue({ name: DELIVERIES_QUEUE, retryLimit: 10, retryDelaySeconds: 5, expireInSeconds: this.config.deliveryJobExpireSeconds });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role === 'api') return;
    await this.queue.work<DeliveryJob>(DELIVERIES_QUEUE, { concurrency: this.config.deliveryConcurrency.perProcess, shares: () => this.capacity.shares() }, (job) => this.track(job.data));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    this.batches.flushAll();
    const abort = setTimeout(() => this.shutdown.abort(new RetryableError('the worker shut down during the attempt')), SHUTDOWN_GRACE_MS);
    await Promise.allSettled([...this.inFlight]);
    clearTimeout(abort);
  }

  /**
   * Makes attempt `job.attempt` of the delivery and records its outcome. Does nothing for a delivery
   * already DELIVERED or FAILED, or a stale job (the delivery has moved past this attempt).
   * Jobs fetched together read their deliveries and destinations in one query, and each outcome is
   * recorded with the others known by then; each job keeps its own slot, so a slow destination
   * holds up no one else's attempt. A fetch takes no more jobs of a destination or a workspace than
   * their share of the slots has room for (DeliveryCapacity), so a hanging destination cannot take them
   * all; a job over its share anyway (enqueued before shares existed) is put back for a second or two.
   */
  async attempt(job: DeliveryJob): Promise<void> {
    // Taken before anything is awaited, so the worker's next fetch already counts this job.
    let release = job.destinationId && job.workspaceId ? this.capacity.tryTake(job.workspaceId, job.destinationId) : undefined;
    if (release === null) return this.defer(job);
    try {
      const loaded = await this.deliveries.load(job.deliveryId);
      if (!loaded || isFinalStatus(loaded.delivery.status) || loaded.delivery.attempts !== job.attempt - 1) return;
      // A job enqueued before shares existed learns its destination only now.
      release ??= this.capacity.tryTake(loaded.delivery.workspaceId, loaded.delivery.destinationId);
      if (!release) return this.defer(nextAttemptJob(loaded.delivery, job.attempt));
      const rateLimit = loaded.target.found ? loaded.target.destination.rateLimit : null;
      const rate = rateLimit ? await this.rates.take(loaded.delivery.destinationId, rateLimit, job.turnAt ? new Date(job.turnAt) : null) : null;
      if (rate && !rate.startNow) return this.defer({ ...nextAttemptJob(loaded.delivery, job.attempt), turnAt: rate.turnAt.toISOString() }, rate.turnAt);
      const startedAt = rate?.startNow ? rate.startedAt : new Date();
      const outcome = await this.perform(loaded.delivery, loaded.target).finally(release);
      const plugin = loaded.target.found ? loaded.target.plugin.name : null;
      await this.outcomes.add({ delivery: loaded.delivery, plugin, attempt: job.attempt, startedAt, outcome });
    } finally {
      release?.();
    }
  }

  /**
   * Puts the job back: over a share, for a second or two; over its destination's rate limit, until its
   * reserved turn (and this process's worker is woken then). Its slot is released meanwhile.
   */
  private async defer(job: DeliveryJob, turn?: Date): Promise<void> {
    await this.deferrals.add({ job, at: turn ?? new Date(Date.now() + DEFER_MS * (1 + Math.random())) });
    if (turn) this.queue.wakeLocallyAt(DELIVERIES_QUEUE, turn);
  }

  /** Deliveries by id, each with where it goes (each destination resolved once). */
  private async loadWithTargets(ids: string[]): Promise<Map<string, { delivery: Delivery; target: DeliveryTarget }>> {
    const deliveries = await this.dataSource.getRepository(Delivery).findBy({ id: In(ids) });
    const resolve = this.targets.resolverForBatch();
    return new Map(await Promise.all(deliveries.map(async (delivery) => [delivery.id, { delivery, target: await resolve(delivery.workspaceId, delivery.destinationId, delivery.action) }] as const)));
  }

  private track(job: DeliveryJob): Promise<void> {
    // Thrown, the job fails and pg-boss hands it to another worker; started now, it might be cut short.
    if (this.draining) return Promise.reject(new Error('this worker is shutting down'));
    const running = this.attempt(job).finally(() => this.inFlight.delete(running));
    this.inFlight.add(running);
    return running;
  }

  private async perform(delivery: Delivery, target: DeliveryTarget): Promise<AttemptOutcome> {
    if (!target.found) {
      // A worker without the plugin is a deployment fault another worker (or a restart) can fix; the rest cannot change.
      return { result: target.reason === 'plugin-not-loaded' ? 'retryable' : 'permanent', error: target.problem, status: null };
    }
    let settings: Record<string, unknown>;
    try {
      settings = this.destinations.settingsForPerform(target.destination, target.plugin);
    } catch (error) {
      // Restoring the right ITINERA_SECRET_KEY fixes it; retrying gives the operator the retry window to do so.
      if (error instanceof SettingsUnreadableError) return { result: 'retryable', error: error.message, status: null };
      throw error;
    }
    const mapped = payloadToSend(delivery, target.plugin.name, delivery.action, target.action);
    if ('error' in mapped) return { result: 'permanent', error: mapped.error, status: null };
    const input: AttemptInput = {
      payload: mapped.payload,
      settings,
      idempotencyKey: delivery.idempotencyKey,
      stepKey: delivery.stepKey,
      journeyId: delivery.journeyId,
      instanceId: delivery.instanceId,
      userId: delivery.userId,
      eventName: delivery.eventName ?? undefined,
      test: delivery.test,
      logger: pluginLogger(target.plugin.name, { deliveryId: delivery.id, destinationId: delivery.destinationId }),
      secrets: secretValues(target.plugin.settings, settings),
    };
    if (target.action.performBatch) {
      return this.batches.add(`${delivery.destinationId}:${delivery.action}`, { action: target.action, input }, batchingFor(target.action, settings));
    }
    return performAttempt(target.action, input, { deadlineMs: PERFORM_DEADLINE_MS, signal: this.shutdown.signal });
  }

  /**
   * Attempts' outcomes, each with its status change and its activity record (or its next attempt's job),
   * in one transaction: they commit together, or not at all. A status changes only from its attempt's
   * starting point: another run of the same job (one pg-boss thought dead) that recorded the attempt
   * first leaves nothing to change.
   *
   * The commit does not wait for the disk. Losing it in a crash of PostgreSQL only makes the jobs run
   * again (their completions, written after it, are lost with it): the attempts are repeated with the
   * same idempotency keys, which sends are allowed to do (at least once). Waiting would cost more than
   * the fsync: SENT records NOTIFY subscribers, and PostgreSQL commits one notifying transaction at a
   * time through its WAL flush, so deliveries were recorded one fsync after another (BENCHMARKS.md,
   * improvements 1, 3 and 11).
   */
  private async record(recorded: RecordedAttempt[]): Promise<void> {
    const policy = this.config.deliveryRetry;
    const now = new Date();
    // The same attempt twice (two runs of one job in this process): recorded once.
    const unique = [...new Map(recorded.map((item) => [`${item.delivery.id}:${item.attempt}`, item])).values()];
    const changes = unique.map(({ delivery, plugin, attempt, startedAt, outcome }) => {
      const retryAt = outcome.result === 'retryable' && mayRetry(policy, attempt) ? new Date(now.getTime() + nextAttemptDelayMs(policy, attempt, outcome.retryAfterMs)) : null;
      const status: DeliveryStatus = outcome.result === 'delivered' ? 'DELIVERED' : retryAt ? 'RETRYING' : 'FAILED';
      return { delivery, plugin, attempt, startedAt, outcome, status, retryAt };
    });
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('synchronous_commit', 'off', true)`);
      // An UPDATE answers [rows, count] through TypeORM, even with RETURNING.
      const [updated]: [{ id: string }[], number] = await manager.query(
        `UPDATE deliveries d SET status = u.status, attempts = u.attempts, last_error = COALESCE(u.last_error, d.last_error),
           delivered_at = u.delivered_at, response = COALESCE(u.response, d.response), next_attempt_at = u.next_attempt_at,
           last_attempt_started_at = u.started_at
         FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, status text, attempts int, last_error text, delivered_at timestamptz, response jsonb, next_attempt_at timestamptz, started_at timestamptz)
         WHERE d.id = u.id AND d.status NOT IN ('DELIVERED', 'FAILED') AND d.attempts = u.attempts - 1
         RETURNING d.id`,
        [
          JSON.stringify(
            changes.map(({ delivery, attempt, startedAt, outcome, status, retryAt }) => ({
              id: delivery.id,
              status,
              attempts: attempt,
              last_error: outcome.result === 'delivered' ? null : outcome.error,
              delivered_at: status === 'DELIVERED' ? now : null,
              response: outcome.result === 'delivered' ? outcome.response : null,
              next_attempt_at: retryAt,
              started_at: startedAt,
            })),
          ),
        ],
      );
      const changed = new Set(updated.map((row) => row.id));
      const activities: ActivityEntry[] = [];
      const retries: JobRequest[] = [];
      for (const change of changes) {
        const { delivery, attempt, outcome, status, retryAt } = change;
        if (!changed.has(delivery.id)) continue;
        reportAttempt(this.logger, change);
        const detail = { deliveryId: delivery.id, destinationId: delivery.destinationId, action: delivery.action, attempts: attempt, status: outcome.status };
        if (outcome.result === 'delivered') {
          activities.push({ owner: ownerOf(delivery), drafts: [{ type: 'SENT', stepKey: delivery.stepKey, at: now.toISOString(), detail }] });
        } else if (status === 'RETRYING') {
          retries.push({ queue: DELIVERIES_QUEUE, data: nextAttemptJob(delivery, attempt + 1), startAfter: retryAt! });
        } else {
          const failure = { ...detail, error: outcome.error, permanent: outcome.result === 'permanent' };
          activities.push({ owner: ownerOf(delivery), drafts: [{ type: 'SEND_FAILED', stepKey: delivery.stepKey, at: now.toISOString(), detail: failure }] });
        }
      }
      await this.activity.appendMany(manager, activities);
      await this.queue.enqueue(retries, manager);
    });
  }
}

function nextAttemptJob(delivery: Delivery, attempt: number): DeliveryJob {
  return { deliveryId: delivery.id, attempt, destinationId: delivery.destinationId, workspaceId: delivery.workspaceId };
}

interface RecordedAttempt {
  delivery: Delivery;
  plugin: string | null;
  attempt: number;
  startedAt: Date;
  outcome: AttemptOutcome;
}
