import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { UnmappedPayload } from './deferred-mapping';

export const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'RETRYING', 'FAILED'] as const;
/** PENDING → DELIVERED | RETRYING | FAILED; RETRYING → DELIVERED | RETRYING | FAILED. DELIVERED and FAILED are final. */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const isFinalStatus = (status: DeliveryStatus): boolean => status === 'DELIVERED' || status === 'FAILED';

/** One send step's payload on its way to one destination, with the outcome of its attempts. */
@Entity('deliveries')
export class Delivery {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ name: 'journey_id', type: 'uuid' })
  journeyId: string;

  @Column({ name: 'instance_id', type: 'uuid' })
  instanceId: string;

  @Column({ name: 'user_id', type: 'text' })
  userId: string;

  @Column({ name: 'step_key', type: 'text' })
  stepKey: string;

  @Column({ name: 'destination_id', type: 'uuid' })
  destinationId: string;

  @Column({ type: 'text' })
  action: string;

  @Column({ name: 'event_name', type: 'text', nullable: true })
  eventName: string | null;

  /** `<instanceId>:<stepKey>:<visit>`; unique per workspace, so scheduling the same send twice stores it once. */
  @Column({ name: 'idempotency_key', type: 'text' })
  idempotencyKey: string;

  @Column({ type: 'text' })
  status: DeliveryStatus;

  /** Calls to the plugin's `perform` so far; 0 for a delivery that failed before any (unknown destination, bad mapping). */
  @Column({ type: 'int' })
  attempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  /** The mapped payload, validated against the action's fields when the delivery was scheduled. */
  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  /** Set while the payload waits for its plugin to be loaded (see deferred-mapping.ts); `payload` is then empty. */
  @Column({ type: 'jsonb', nullable: true })
  unmapped: UnmappedPayload | null;

  /** What the destination answered on success (`PerformResult.response`), cut to a few KB. */
  @Column({ type: 'jsonb', nullable: true })
  response: unknown;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  /** On PostgreSQL's clock for a rate-limited destination, whose limit spaces these starts; else the worker's. */
  @Column({ name: 'last_attempt_started_at', type: 'timestamptz', nullable: true })
  lastAttemptStartedAt: Date | null;

  /** Sent by a test run (a test profile in a journey under test); kept out of journey statistics and metrics. */
  @Column({ type: 'boolean', default: false })
  test: boolean;
}
