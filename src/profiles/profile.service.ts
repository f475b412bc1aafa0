import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Profile } from './profile.entity';

@Injectable()
export class ProfileService {
  constructor(@InjectRepository(Profile) private readonly profiles: Repository<Profile>) {}

  find(workspaceId: string, userId: string): Promise<Profile | null> {
    return this.profiles.findOne({ where: { workspaceId, userId } });
  }

  /** Current traits, read inside the caller's transaction (the runtime reads them when a step runs). */
  async traitsOf(manager: EntityManager, workspaceId: string, userId: string): Promise<Record<string, unknown>> {
    const rows: { traits: Record<string, unknown> }[] = await manager.query(
      'SELECT traits FROM profiles WHERE workspace_id = $1 AND user_id = $2',
      [workspaceId, userId],
    );
    return rows[0]?.traits ?? {};
  }
}
