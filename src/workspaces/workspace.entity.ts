import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('workspaces')
export class Workspace {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column()
  name: string;

  /** Tokens are random 32-byte secrets, so a plain SHA-256 is enough to keep them unrecoverable. */
  @Column({ name: 'admin_token_hash' })
  adminTokenHash: string;

  @Column({ name: 'write_key_hash' })
  writeKeyHash: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
