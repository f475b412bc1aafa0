import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { QuietHours } from '../engine/time-settings';

/** A tenant. Its API tokens and write keys are credentials (src/tokens). */
@Entity('workspaces')
export class Workspace {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column()
  name: string;

  /** The IANA zone of profiles without a valid one, unless their journey names its own. */
  @Column({ name: 'time_zone', type: 'text', nullable: true })
  timeZone: string | null;

  /** Quiet hours of journeys that set none of their own. */
  @Column({ name: 'quiet_hours', type: 'jsonb', nullable: true })
  quietHours: QuietHours | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
