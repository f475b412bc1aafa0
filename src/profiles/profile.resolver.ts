import { Args, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { ProfileJourneyType, ProfileType } from './profile.graphql-types';
import { ProfileService } from './profile.service';

@Resolver(() => ProfileType)
export class ProfileResolver {
  constructor(private readonly profiles: ProfileService) {}

  @Query(() => ProfileType, { nullable: true })
  async profile(@CurrentWorkspace() workspace: Workspace, @Args('userId') userId: string): Promise<ProfileType | null> {
    const profile = await this.profiles.find(workspace.id, userId);
    return profile ? { userId: profile.userId, traits: profile.traits } : null;
  }

  @ResolveField(() => [ProfileJourneyType])
  journeys(@CurrentWorkspace() workspace: Workspace, @Parent() profile: ProfileType): Promise<ProfileJourneyType[]> {
    return this.profiles.journeysOf(workspace.id, profile.userId);
  }
}
