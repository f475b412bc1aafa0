import { Args, Field, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { JSONScalar } from '../common/graphql-scalars';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { ProfileService } from './profile.service';

@ObjectType('Profile')
export class ProfileType {
  @Field() userId: string;
  @Field(() => JSONScalar) traits: Record<string, unknown>;
}

@Resolver(() => ProfileType)
export class ProfileResolver {
  constructor(private readonly profiles: ProfileService) {}

  @Query(() => ProfileType, { nullable: true })
  async profile(@CurrentWorkspace() workspace: Workspace, @Args('userId') userId: string): Promise<ProfileType | null> {
    const profile = await this.profiles.find(workspace.id, userId);
    return profile ? { userId: profile.userId, traits: profile.traits } : null;
  }
}
