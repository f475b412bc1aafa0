import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { JourneyInstanceService } from '../instances/journey-instance.service';
import { Journey } from '../journeys/journey.entity';
import { toJourneyType } from '../journeys/journey.resolver';
import { ProfileJourneyType } from './profile.graphql-types';
import { Profile } from './profile.entity';

@Injectable()
export class ProfileService {
  constructor(
    @InjectRepository(Profile) private readonly profiles: Repository<Profile>,
    @InjectRepository(Journey) private readonly journeys: Repository<Journey>,
    private readonly instances: JourneyInstanceService,
  ) {}

  find(workspaceId: string, userId: string): Promise<Profile | null> {
    return this.profiles.findOne({ where: { workspaceId, userId } });
  }

  /** The Journeys tab: the user's instances summed up per journey, with the journeys loaded in one query. */
  async journeysOf(workspaceId: string, userId: string): Promise<ProfileJourneyType[]> {
    const entries = await this.instances.journeysOfUser(workspaceId, userId);
    if (entries.length === 0) return [];
    const journeys = await this.journeys.findBy({ workspaceId, id: In(entries.map((entry) => entry.journeyId)) });
    const byId = new Map(journeys.map((journey) => [journey.id, toJourneyType(journey)]));
    return entries.flatMap(({ journeyId, timesEntered, active }) => {
      const journey = byId.get(journeyId);
      // Only drafts can be deleted, and drafts have no instances; a journey gone meanwhile is left out.
      return journey ? [{ journey, timesEntered, activeInstances: active }] : [];
    });
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
