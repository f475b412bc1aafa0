import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** ADMIN and READ are API tokens (GraphQL); WRITE is a write key (ingestion). */
export type CredentialKind = 'ADMIN' | 'READ' | 'WRITE';
export type ApiTokenScope = Exclude<CredentialKind, 'WRITE'>;
export const API_TOKEN_KINDS: CredentialKind[] = ['ADMIN', 'READ'];
export const WRITE_KEY_KINDS: CredentialKind[] = ['WRITE'];

/** One secret that lets a caller into one workspace. Only its hash is stored; revoked ones stay for the record. */
@Entity('credentials')
export class Credential {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ type: 'text' })
  kind: CredentialKind;

  @Column({ type: 'text' })
  name: string;

  /** Secrets are random 32-byte values, so a plain SHA-256 is enough to keep them unrecoverable. */
  @Column({ name: 'secret_hash', type: 'text' })
  secretHash: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
