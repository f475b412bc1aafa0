import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { RateLimit } from './rate-limit';

/**
 * A configured connection: a plugin plus its settings. `settings` holds the defaults applied and every
 * secret setting sealed (see SettingsCipher); only DestinationService opens them.
 */
@Entity('destinations')
export class Destination {
  /** Generated before the insert: sealed secrets are bound to it. */
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  plugin: string;

  @Column({ type: 'jsonb' })
  settings: Record<string, unknown>;

  @Column({ type: 'boolean' })
  enabled: boolean;

  /** Deliveries over it wait their turn (DestinationRates); null: as fast as the workers go. */
  @Column({ name: 'rate_limit', type: 'jsonb', nullable: true })
  rateLimit: RateLimit | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
