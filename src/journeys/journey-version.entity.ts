import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { JourneyDefinition } from '../engine/definition';
import type { VersionChanges } from './version-changes';

/** What in-flight instances do when a version is published: finish on theirs, or move to the same step key. */
export type VersionMigration = 'STAY' | 'MOVE_BY_STEP_KEY';

/** A published journey's validated definition, frozen: an instance runs the version it entered with (or was moved to). */
@Entity('journey_versions')
export class JourneyVersion {
  @PrimaryColumn({ name: 'journey_id', type: 'uuid' })
  journeyId: string;

  @PrimaryColumn({ type: 'int' })
  version: number;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ type: 'jsonb' })
  definition: JourneyDefinition;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'published_at', type: 'timestamptz' })
  publishedAt: Date;

  /** The API token that published it; null for the root token and for versions older than this record. */
  @Column({ name: 'published_by_token_id', type: 'uuid', nullable: true })
  publishedByTokenId: string | null;

  @Column({ name: 'published_by_token_name', type: 'text', nullable: true })
  publishedByTokenName: string | null;

  /** Against the version before it; null for versions older than this record. */
  @Column({ type: 'jsonb', nullable: true })
  changes: VersionChanges | null;

  /** The earlier version whose definition a rollback published again. */
  @Column({ name: 'restored_from', type: 'int', nullable: true })
  restoredFrom: number | null;

  @Column({ type: 'text' })
  migration: VersionMigration;
}
