import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ActivityLog } from '../activity/activity-log';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DestinationService } from '../destinations/destination.service';
import { SettingsUnreadableError } from '../destinations/settings-cipher';
import { RetryableError } from '../plugin-kit';
import { QueueService } from '../queue/queue.service';
import { DELIVERIES_QUEUE, type DeliveryJob } from './deliveries-queue';
import { PERFORM_DEADLINE_MS, performAttempt, type AttemptOutcome } from './delivery-attempt';
import { Delivery, isFinalStatus, type DeliveryStatus } from './delivery.entity';
import { mayRetry, retryDelayMs } from './delivery-retry';
import { ownerOf } from './delivery.service';
import { DeliveryTargets } from './delivery-targets';
import { pluginLogger } from './plugin-logger';

/** Deliveries attempted concurrently per worker process; each holds a connection only while recording. */
const DELIVERIES_CONCURRENCY = 16;
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

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly targets: DeliveryTargets,
    private readonly destinations: DestinationService,
    private readonly activity: ActivityLog,
  ) {}

  async onModuleInit(): Promise<void> {
    // Defined by every role: whichever process schedules a delivery enqueues into it.
    await this.queue.defineQueue({ name: DELIVERIES_QUEUE, retryLimit: 10, retryDelaySeconds: 5, expireInSeconds: this.config.deliveryJobExpireSeconds });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role === 'api') return;
    await this.queue.work<DeliveryJob>(DELIVERIES_QUEUE, { concurrency: DELIVERIES_CONCURRENCY }, (job) => this.track(job.data));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    const abort = setTimeout(() => this.shutdown.abort(new RetryableError('the worker shut down during the attempt')), SHUTDOWN_GRACE_MS);
    await Promise.allSettled([...this.inFlight]);
    clearTimeout(abort);
  }

  /**
   * Makes attempt `job.attempt` of the delivery and records its outcome. Does nothing for a delivery
   * already DELIVERED or FAILED, or a stale job (the delivery has moved past this attempt).
   */
  async attempt(job: DeliveryJob): Promise<void> {
    const delivery = await this.dataSource.getRepository(Delivery).findOne({ where: { id: job.deliveryId } });
    if (!delivery || isFinalStatus(delivery.status) || delivery.attempts !== job.attempt - 1) return;
    const outcome = await this.perform(delivery);
    await this.record(delivery, job.attempt, outcome);
  }

  private track(job: DeliveryJob): Promise<void> {
    // Thrown, the job fails and pg-boss hands it to another worker; started now, it might be cut short.
    if (this.draining) return Promise.reject(new Error('this worker is shutting down'));
    const running = this.attempt(job).finally(() => this.inFlight.delete(running));
    this.inFlight.add(running);
    return running;
  }

  private async perform(delivery: Delivery): Promise<AttemptOutcome> {
    const target = await this.targets.resolve(delivery.workspaceId, delivery.destinationId, delivery.action);
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
    return performAttempt(
      target.action,
      {
        payload: delivery.payload,
        settings,
        idempotencyKey: delivery.idempotencyKey,
        stepKey: delivery.stepKey,
        journeyId: delivery.journeyId,
        instanceId: delivery.instanceId,
        userId: delivery.userId,
        eventName: delivery.eventName ?? undefined,
        logger: pluginLogger(target.plugin.name, { deliveryId: delivery.id, destinationId: delivery.destinationId }),
      },
      { deadlineMs: PERFORM_DEADLINE_MS, signal: this.shutdown.signal },
    );
  }

  /** The outcome, the status change and its activity record commit together, or not at all. */
  private async record(delivery: Delivery, attempt: number, outcome: AttemptOutcome): Promise<void> {
    const policy = this.config.deliveryRetry;
    await this.dataSource.transaction(async (manager) => {
      const [current]: { status: DeliveryStatus; attempts: number }[] = await manager.query(
        'SELECT status, attempts FROM deliveries WHERE id = $1 FOR UPDATE',
        [delivery.id],
      );
      // Another run of this job (one pg-boss thought dead) recorded this attempt first.
      if (!current || isFinalStatus(current.status) || current.attempts !== attempt - 1) return;

      const now = new Date();
      const detail = { deliveryId: delivery.id, destinationId: delivery.destinationId, action: delivery.action, attempts: attempt };
      if (outcome.result === 'delivered') {
        await manager.query(
          `UPDATE deliveries SET status = 'DELIVERED', attempts = $2, delivered_at = $3, response = $4::jsonb, next_attempt_at = NULL WHERE id = $1`,
          [delivery.id, attempt, now, outcome.response === null ? null : JSON.stringify(outcome.response)],
        );
        await this.activity.append(manager, ownerOf(delivery), [
          { type: 'SENT', stepKey: delivery.stepKey, at: now.toISOString(), detail: { ...detail, status: outcome.status } },
        ]);
      } else if (outcome.result === 'retryable' && mayRetry(policy, attempt)) {
        const due = new Date(now.getTime() + retryDelayMs(policy, attempt));
        await manager.query(`UPDATE deliveries SET status = 'RETRYING', attempts = $2, last_error = $3, next_attempt_at = $4 WHERE id = $1`, [
          delivery.id,
          attempt,
          outcome.error,
          due,
        ]);
        await this.queue.enqueue([{ queue: DELIVERIES_QUEUE, data: { deliveryId: delivery.id, attempt: attempt + 1 } satisfies DeliveryJob, startAfter: due }], manager);
      } else {
        await manager.query(`UPDATE deliveries SET status = 'FAILED', attempts = $2, last_error = $3, next_attempt_at = NULL WHERE id = $1`, [
          delivery.id,
          attempt,
          outcome.error,
        ]);
        await this.activity.append(manager, ownerOf(delivery), [
          {
            type: 'SEND_FAILED',
            stepKey: delivery.stepKey,
            at: now.toISOString(),
            detail: { ...detail, status: outcome.status, error: outcome.error, permanent: outcome.result === 'permanent' },
          },
        ]);
        this.logger.warn({ msg: 'delivery failed', deliveryId: delivery.id, attempts: attempt, error: outcome.error });
      }
    });
  }
}
