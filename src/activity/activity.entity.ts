import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ActivityType } from '../engine';

/** An append-only record of what happened to an instance. The id orders records and serves as the cursor. */
@Entity('activities')
export class Activity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ name: 'journey_id', type: 'uuid' })
  journeyId: string;

  @Column({ name: 'instance_id', type: 'uuid' })
  instanceId: string;

  @Column({ name: 'user_id' })
  userId: string;

  @Column({ type: 'text' })
  type: ActivityType;

  @Column({ name: 'step_key', type: 'text', nullable: true })
  stepKey: string | null;

  @Column({ type: 'jsonb', nullable: true })
  detail: Record<string, unknown> | null;

  @Column({ type: 'timestamptz' })
  at: Date;
}
