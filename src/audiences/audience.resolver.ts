import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { AudienceInput, AudienceType } from './audience.graphql-types';
import { AudienceService } from './audience.service';

@Resolver(() => AudienceType)
export class AudienceResolver {
  constructor(private readonly audienceService: AudienceService) {}

  @Query(() => [AudienceType], { description: "The workspace's audiences, oldest first, with their current size." })
  audiences(@CurrentWorkspace() workspace: Workspace): Promise<AudienceType[]> {
    return this.audienceService.list(workspace.id);
  }

  @Mutation(() => AudienceType, { description: 'Refused with BAD_USER_INPUT listing every problem; existing profiles that qualify are added in the background.' })
  async createAudience(@CurrentWorkspace() workspace: Workspace, @Args('input') input: AudienceInput): Promise<AudienceType> {
    return { ...(await this.audienceService.create(workspace.id, input)), size: 0 };
  }
}
