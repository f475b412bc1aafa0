import { Args, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { checkPageSize } from '../common/cursor';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { ProfileEventConnection, profileEvents } from './profile-events';
import { ProfileDeletion } from './profile-deletion';
import { ProfileDeletionType, ProfileJourneyType, ProfileType, SuppressedProfileType } from './profile.graphql-types';
import { ProfileService } from './profile.service';
import { listSuppressedProfiles, unsuppressProfile } from './suppressed-profiles';

const MAX_SUPPRESSED_PAGE = 1000;

@Resolver(() => ProfileType)
export class ProfileResolver {
  constructor(
    private readonly profiles: ProfileService,
    private readonly deletion: ProfileDeletion,
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

  @Mutation(() => ProfileDeletionType, {
    description:
      "Erases the user's traits, events, instances (active ones end with reason `deleted`), activity, audience memberships " +
      'and deliveries with their payloads, in one transaction. With `suppress`, the user\'s future events are acknowledged and dropped.',
  })
  async deleteProfile(
    @CurrentWorkspace() workspace: Workspace,
    @Args('userId') userId: string,
    @Args('suppress', { defaultValue: false }) suppress: boolean,
  ): Promise<ProfileDeletionType> {
    return { userId, ...(await this.deletion.deleteProfile(workspace.id, userId, { suppress })) };
  }

  @Query(() => [SuppressedProfileType], { description: 'Users whose events are dropped, by userId; page with `after` (the last userId seen).' })
  suppressedProfiles(
    @CurrentWorkspace() workspace: Workspace,
    @Args('first', { type: () => Int, defaultValue: 100 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<SuppressedProfileType[]> {
    return listSuppressedProfiles(this.dataSource, workspace.id, checkPageSize(first, MAX_SUPPRESSED_PAGE), after ?? null);
  }

  @Mutation(() => Boolean, { description: "Accepts the user's events again; false when the user was not suppressed." })
  unsuppressProfile(@CurrentWorkspace() workspace: Workspace, @Args('userId') userId: string): Promise<boolean> {
    return unsuppressProfile(this.dataSource, workspace.id, userId);
  }
}
