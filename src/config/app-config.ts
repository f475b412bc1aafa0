import { DEFAULT_DELIVERY_CONCURRENCY, type DeliveryConcurrency } from '../deliveries/delivery-capacity';
import { DEFAULT_JOURNEY_LIMITS, JourneyLimits } from '../journeys/journey-limits';
import { DEFAULT_RETENTION, RetentionPolicy } from '../operations/retention-policy';
import type { DestinationAddressPolicyOptions } from '@itinera/plugin-kit/host';

export type ProcessRole = 'api' | 'worker' | 'all';

export interface DeliveryRetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Delay before the second attempt; each later one doubles it, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface AppConfig {
  port: number;
  role: ProcessRole;
  databaseUrl: string;
  /**
   * No DATABASE_URL: one process on an embedded PostgreSQL, on someone's laptop. Defaults lean towards a
   * first run that just works; with DATABASE_URL set they lean towards a safe production setup.
   */
  laptopMode: boolean;
  /** Where destinations may send: loopback only in laptop mode, plus ITINERA_ALLOWED_DESTINATION_HOSTS. */
  destinationAddresses: DestinationAddressPolicyOptions;
  rootToken?: string;
  /** Events per second one workspace may send to one API process (0: no limit); over it, 429. */
  ingestRatePerWorkspace: number;
  /** Events per second one profile may send (0: no limit); events over it are dropped and counted. */
  ingestRatePerProfile: number;
  /** Wrong API tokens or write keys one address may present per minute before it gets 429s. */
  authFailuresPerMinute: number;
  /** Credentials of the `default` workspace, when scripts need to know them in advance. */
  defaultAdminToken?: string;
  defaultWriteKey?: string;
  pluginPaths: string[];
  journeyLimits: JourneyLimits;
  deliveryRetry: DeliveryRetryPolicy;
  /** Delivery attempts at once per worker process: in all, per destination, per workspace. */
  deliveryConcurrency: DeliveryConcurrency;
  /** How often idle workers look for due jobs; new work also wakes them at once through NOTIFY. */
  queuePollSeconds: number;
  /** A runtime job (events of one user, one timer) whose worker died is retried after this long. */
  jobExpireSeconds: number;
  /** How often pg-boss looks for expired jobs of dead workers (and archives old ones). */
  queueMaintenanceSeconds: number;
  /**
   * A delivery job whose worker died is retried after this long: longer than any attempt (plugins are
   * cut off at 60 s) plus its recording, or a slow attempt would run twice at once.
   */
  deliveryJobExpireSeconds: number;
  /**
   * How often a worker looks for accepted events that no job will apply (a safety net that should
   * always find none); 0 turns it off. Events younger than `reconcileGraceSeconds` are left alone.
   */
  reconcileSeconds: number;
  reconcileGraceSeconds: number;
  /** A backtest over at most this many stored events answers at once; a longer one runs as a job with progress. */
  backtestInlineEvents: number;
  /** Events a backtest reads per page: its memory bound, and how often a job records progress and looks for cancellation. */
  backtestPageEvents: number;
  /**
   * Encrypts destinations' secret settings. Unset: in laptop mode main.ts keeps a random one in the data
   * directory; in production the process refuses to start unless `allowDerivedSecretKey`.
   */
  secretKey?: string;
  /** The key before a rotation (ITINERA_SECRET_KEY_PREVIOUS): opens old values until they are re-encrypted at start. */
  previousSecretKey?: string;
  /** ITINERA_ALLOW_DERIVED_SECRET_KEY=true: accept the key derived from the database URL in production. */
  allowDerivedSecretKey: boolean;
  logLevel: string;
  /** When set, GET /metrics answers only requests bearing it. */
  metricsToken?: string;
  retention: RetentionPolicy;
}

/** Defaults: 10 attempts, 4 s doubling to ~34 min, about an hour of retries in all. */
export const DEFAULT_DELIVERY_RETRY: DeliveryRetryPolicy = { maxAttempts: 10, baseDelayMs: 4_000, maxDelayMs: 2_048_000 };

/** The one place that reads the environment. */
export function readConfigFromEnv(env: NodeJS.ProcessEnv, databaseUrl: string): AppConfig {
  const role = (env.ITINERA_ROLE ?? 'all') as ProcessRole;
  if (!['api', 'worker', 'all'].includes(role)) {
    throw new Error(`ITINERA_ROLE must be api, worker or all, not ${JSON.stringify(env.ITINERA_ROLE)}`);
  }
  const int = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, not ${JSON.stringify(raw)}`);
    return value;
  };
  const laptopMode = !env.DATABASE_URL;
  return {
    port: int('PORT', 3000),
    role,
    databaseUrl,
    laptopMode,
    destinationAddresses: { allowLoopback: laptopMode, allowed: list(env.ITINERA_ALLOWED_DESTINATION_HOSTS, /[,\s]+/) },
    rootToken: env.ITINERA_ROOT_TOKEN || undefined,
    authFailuresPerMinute: int('ITINERA_AUTH_FAILURES_PER_MINUTE', 30),
    ingestRatePerWorkspace: int('ITINERA_INGEST_RATE_PER_WORKSPACE', laptopMode ? 0 : 10_000),
    ingestRatePerProfile: int('ITINERA_INGEST_RATE_PER_PROFILE', 25),
    defaultAdminToken: env.ITINERA_ADMIN_TOKEN || undefined,
    defaultWriteKey: env.ITINERA_WRITE_KEY || undefined,
    pluginPaths: list(env.ITINERA_PLUGIN_PATHS, /[,:]/),
    journeyLimits: {
      maxCountedSteps: int('ITINERA_MAX_JOURNEY_STEPS', DEFAULT_JOURNEY_LIMITS.maxCountedSteps),
      maxNameLength: int('ITINERA_MAX_JOURNEY_NAME', DEFAULT_JOURNEY_LIMITS.maxNameLength),
      maxStepNameLength: int('ITINERA_MAX_STEP_NAME', DEFAULT_JOURNEY_LIMITS.maxStepNameLength),
      maxStepKeyLength: int('ITINERA_MAX_STEP_KEY', DEFAULT_JOURNEY_LIMITS.maxStepKeyLength),
      maxPublishedPerWorkspace: int('ITINERA_MAX_PUBLISHED_JOURNEYS', DEFAULT_JOURNEY_LIMITS.maxPublishedPerWorkspace),
    },
    deliveryRetry: {
      maxAttempts: int('ITINERA_DELIVERY_MAX_ATTEMPTS', DEFAULT_DELIVERY_RETRY.maxAttempts),
      baseDelayMs: int('ITINERA_DELIVERY_BASE_DELAY_MS', DEFAULT_DELIVERY_RETRY.baseDelayMs),
      maxDelayMs: int('ITINERA_DELIVERY_MAX_DELAY_MS', DEFAULT_DELIVERY_RETRY.maxDelayMs),
    },
    deliveryConcurrency: {
      perProcess: int('ITINERA_DELIVERY_CONCURRENCY', DEFAULT_DELIVERY_CONCURRENCY.perProcess),
      perDestination: int('ITINERA_DELIVERY_CONCURRENCY_PER_DESTINATION', DEFAULT_DELIVERY_CONCURRENCY.perDestination),
      perWorkspace: int('ITINERA_DELIVERY_CONCURRENCY_PER_WORKSPACE', DEFAULT_DELIVERY_CONCURRENCY.perWorkspace),
    },
    queuePollSeconds: int('ITINERA_QUEUE_POLL_SECONDS', 0.5),
    jobExpireSeconds: int('ITINERA_JOB_EXPIRE_SECONDS', 30),
    queueMaintenanceSeconds: int('ITINERA_QUEUE_MAINTENANCE_SECONDS', 30),
    deliveryJobExpireSeconds: int('ITINERA_DELIVERY_JOB_EXPIRE_SECONDS', 90),
    reconcileSeconds: int('ITINERA_RECONCILE_SECONDS', 60),
    reconcileGraceSeconds: int('ITINERA_RECONCILE_GRACE_SECONDS', 60),
    backtestInlineEvents: int('ITINERA_BACKTEST_INLINE_EVENTS', 20_000),
    backtestPageEvents: Math.max(1, int('ITINERA_BACKTEST_PAGE_EVENTS', 2_000)),
    secretKey: env.ITINERA_SECRET_KEY || undefined,
    previousSecretKey: env.ITINERA_SECRET_KEY_PREVIOUS || undefined,
    allowDerivedSecretKey: env.ITINERA_ALLOW_DERIVED_SECRET_KEY === 'true',
    logLevel: env.LOG_LEVEL ?? 'info',
    metricsToken: env.ITINERA_METRICS_TOKEN || undefined,
    retention: {
      eventDays: int('ITINERA_EVENT_RETENTION_DAYS', DEFAULT_RETENTION.eventDays),
      activityDays: int('ITINERA_ACTIVITY_RETENTION_DAYS', DEFAULT_RETENTION.activityDays),
      deliveryDays: int('ITINERA_DELIVERY_RETENTION_DAYS', DEFAULT_RETENTION.deliveryDays),
      jobDays: int('ITINERA_JOB_RETENTION_DAYS', DEFAULT_RETENTION.jobDays),
    },
  };
}

function list(raw: string | undefined, separator: RegExp): string[] {
  return (raw ?? '').split(separator).map((item) => item.trim()).filter(Boolean);
}

export const APP_CONFIG = Symbol('APP_CONFIG');
