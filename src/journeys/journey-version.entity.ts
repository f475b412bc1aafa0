import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { JourneyDefinition } from '../engine/definition';

/** A published journey's validated definition, frozen: an instance runs the version it entered with. */
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
}
