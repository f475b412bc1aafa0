import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EntityManager, QueryRunner } from 'typeorm';

/**
 * Itinera's Prometheus metrics, per process, served at GET /metrics. Counted at a few choke points
 * (ingestion responses, queue fetches and batches, activity records written, delivery outcomes recorded)
 * rather than threaded through the runtime. Each is documented in the README.
 */
export const metricsRegistry = new Registry();

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LATENESS_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800];
const DELIVERY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600];

export const ingestionRequests = new Counter({
  name: 'itinera_ingestion_requests_total',
  help: 'Ingestion API requests answered, by outcome (accepted, refused) and reason of refusal (invalid, unauthorized, too_large, rate_limited, unavailable, error)',
  labelNames: ['outcome', 'reason'] as const,
  registers: [metricsRegistry],
});

export const ingestionDuration = new Histogram({
  name: 'itinera_ingestion_request_duration_seconds',
  help: 'Time to answer an ingestion API request (an accepted one is committed to PostgreSQL)',
  labelNames: ['outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

export const jobLateness = new Histogram({
  name: 'itinera_job_lateness_seconds',
  help: 'From when a job was due to when a worker of this process took it; for queue instance-timers, the timer lateness (fired - due)',
  labelNames: ['queue'] as const,
  buckets: LATENESS_BUCKETS,
  registers: [metricsRegistry],
});

export const jobBatchDuration = new Histogram({
  name: 'itinera_job_batch_duration_seconds',
  help: "Time a worker spent on one batch of jobs (for user-events and instance-timers, one runtime transaction's batch)",
  labelNames: ['queue'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

export const instanceTransitions = new Counter({
  name: 'itinera_instances_total',
  help: 'Journey instances that entered, completed or exited, per journey (written by this process)',
  labelNames: ['journey_id', 'transition'] as const,
  registers: [metricsRegistry],
});

export const deliveryOutcomes = new Counter({
  name: 'itinera_delivery_attempts_total',
  help: 'Delivery attempts recorded, by outcome (delivered, retrying, failed), destination and plugin',
  labelNames: ['destination_id', 'plugin', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const deliveryLatency = new Histogram({
  name: 'itinera_delivery_latency_seconds',
  help: 'From a send being scheduled to its delivery being recorded (retries included), per plugin',
  labelNames: ['plugin'] as const,
  buckets: DELIVERY_BUCKETS,
  registers: [metricsRegistry],
});

export const graphqlWsConnections = new Gauge({
  name: 'itinera_graphql_ws_connections',
  help: 'Open graphql-ws connections (live activity subscribers) of this process',
  registers: [metricsRegistry],
});

const ACTIVITY_TRANSITIONS: Record<string, string> = { ENTERED: 'entered', COMPLETED: 'completed', EXITED: 'exited' };

/** Transitions written in transactions still open: counted when they commit, forgotten if they roll back. */
const transitionsOnCommit = new WeakMap<QueryRunner, { j: string; type: string }[]>();

/**
 * Counts the instance transitions among activity records being written in `manager`'s transaction, once
 * it commits: a runtime batch that fails is run again (job by job), and must not be counted twice.
 */
export function countInstanceTransitions(manager: EntityManager, records: { j: string; type: string }[]): void {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) return countTransitions(records);
  transitionsOnCommit.set(runner, [...(transitionsOnCommit.get(runner) ?? []), ...records]);
}

/** Called by MetricsModule's subscriber when a transaction ends. */
export function transactionEnded(runner: QueryRunner | undefined, committed: boolean): void {
  const records = runner && transitionsOnCommit.get(runner);
  if (!records) return;
  transitionsOnCommit.delete(runner);
  if (committed) countTransitions(records);
}

function countTransitions(records: { j: string; type: string }[]): void {
  for (const record of records) {
    const transition = ACTIVITY_TRANSITIONS[record.type];
    if (transition) instanceTransitions.inc({ journey_id: record.j, transition });
  }
}

/** How an ingestion response is counted: 2xx accepted, anything else refused for the reason its status says. */
export function observeIngestionResponse(status: number, seconds: number): void {
  const outcome = status < 300 ? 'accepted' : 'refused';
  ingestionRequests.inc({ outcome, reason: outcome === 'accepted' ? '' : refusalReason(status) });
  ingestionDuration.observe({ outcome }, seconds);
}

function refusalReason(status: number): string {
  if (status === 400 || status === 422) return 'invalid';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 413) return 'too_large';
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'unavailable';
  return status >= 500 ? 'error' : `http_${status}`;
}

export interface QueueDepth {
  queue: string;
  waiting: number;
  due: number;
  active: number;
  oldestDueSeconds: number;
}

/** Read at each scrape, from the process's MetricsModule (one query over pg-boss's job table). */
let readQueueDepths: (() => Promise<QueueDepth[]>) | null = null;

export function setQueueDepthSource(source: (() => Promise<QueueDepth[]>) | null): void {
  readQueueDepths = source;
}

new Gauge({
  name: 'itinera_queue_jobs',
  help: 'Jobs per queue and state: waiting (not yet taken, due or not), due (waiting and due now), active (taken by a worker)',
  labelNames: ['queue', 'state'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    for (const depth of (await readQueueDepths?.()) ?? []) {
      for (const state of ['waiting', 'due', 'active'] as const) this.set({ queue: depth.queue, state }, depth[state]);
    }
  },
});

new Gauge({
  name: 'itinera_queue_oldest_due_job_age_seconds',
  help: 'Per queue, how long the oldest due job not yet taken has been due (0 when none is waiting)',
  labelNames: ['queue'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    for (const depth of (await readQueueDepths?.()) ?? []) this.set({ queue: depth.queue }, depth.oldestDueSeconds);
  },
});
