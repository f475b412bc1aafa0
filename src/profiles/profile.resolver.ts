import { Args, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { ProfileJourneyType, ProfileType } from './profile.graphql-types';
import { ProfileEventConnection, profileEvents } from './profile-events';
import { ProfileService } from './profile.service';

@Resolver(() => ProfileType)
export class ProfileResolver {
  constructor(
    private readonly profiles: ProfileService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Query(() => ProfileType, { nullable: true })
  async profile(@CurrentWorkspace() workspace: Workspace, @Args('userId') userId: string): Promise<ProfileType | null> {
    const profile = await this.profiles.find(workspace.id, userId);
    return profile ? { userId: profile.userId, traits: profile.traits } : null;
  }

  @ResolveField(() => [ProfileJourneyType])
  journeys(@CurrentWorkspace() workspace: Workspace, @Parent() profile: ProfileType): Promise<ProfileJourneyType[]> {
    return this.profiles.journeysOf(workspace.id, profile.userId);
  }

  @ResolveField(() => ProfileEventConnection, { description: "The profile's events, the last accepted first; `event` keeps one event name." })
  events(
    @CurrentWorkspace() workspace: Workspace,
    @Parent() profile: ProfileType,
    @Args('first', { type: () => Int, defaultValue: 20 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
    @Args('event', { type: () => String, nullable: true }) event?: string | null,
  ): Promise<ProfileEventConnection> {
    return profileEvents(this.dataSource.manager, workspace.id, profile.userId, { first, after, event });
  }
}
