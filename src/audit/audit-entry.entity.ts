import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What an audit entry says changed: field names, and only values that are never secret. */
export interface AuditChanges {
  /** The fields the mutation changed (`name`, `steps`, `settings.url`...), without their values. */
  fields?: string[];
  /** Plain, non-secret arguments: a name, a scope, a plugin, an action. */
  values?: Record<string, string | number | boolean | null>;
}

@Entity('audit_log')
export class AuditEntry {
  /** Insertion order, which is also the cursor order. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ name: 'token_id', type: 'uuid', nullable: true })
  tokenId: string | null;

  @Column({ name: 'token_name', type: 'text' })
  tokenName: string;

  /** The mutation field, e.g. `updateJourney`. */
  @Column({ type: 'text' })
  operation: string;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId: string | null;

  /** `OK`, or the error code the mutation answered (`BAD_USER_INPUT`, `NOT_FOUND`...). */
  @Column({ type: 'text' })
  outcome: string;

  @Column({ type: 'jsonb' })
  changes: AuditChanges;
}
