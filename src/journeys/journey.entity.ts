import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { JourneyDraft, JourneyStatus } from '../engine/definition';

/**
 * A journey as the admin API edits it. `draft` holds the current definition, possibly unfinished while
 * the journey is a draft; what instances run is frozen apart, per version, in `journey_versions`.
 */
@Entity('journeys')
export class Journey {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'text' })
  status: JourneyStatus;

  /** The published version new instances enter; bumped by each accepted send-step edit, published version and rollback. */
  @Column({ type: 'int' })
  version: number;

  @Column({ type: 'jsonb' })
  draft: JourneyDraft;

  /**
   * Set while a published or paused journey has a draft of its next version open: `draft` is that
   * draft (edited like a new journey's), and the version it will get when published.
   */
  @Column({ name: 'draft_version', type: 'int', nullable: true })
  draftVersion: number | null;

  @Column({ name: 'duplicated_from_id', type: 'uuid', nullable: true })
  duplicatedFromId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;
}
