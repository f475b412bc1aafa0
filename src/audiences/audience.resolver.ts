import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { ConditionInput } from '../journeys/journey-input.graphql-types';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { AudienceInput, AudienceType } from './audience.graphql-types';
import { AudiencePreview } from './audience-preview';
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

  @Query(() => AudiencePreview, { description: 'Count and a sample of the profiles a condition admits now, before saving it. BAD_USER_INPUT lists every problem.' })
  previewAudience(@CurrentWorkspace() workspace: Workspace, @Args('condition', { type: () => ConditionInput }) condition: ConditionInput): Promise<AudiencePreview> {
    return this.audienceService.preview(workspace.id, condition);
  }

  @Mutation(() => AudienceType, {
    description:
      'Renames, or changes the condition (then every profile is evaluated again in the background). A new condition is refused (CONFLICT) while a published or paused journey uses the audience.',
  })
  updateAudience(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string, @Args('input') input: AudienceInput): Promise<AudienceType> {
    return this.audienceService.update(workspace.id, id, input);
  }

  @Mutation(() => Boolean, { description: 'Deletes the audience and its memberships. Refused (CONFLICT) while a published or paused journey uses it.' })
  async deleteAudience(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string): Promise<boolean> {
    await this.audienceService.delete(workspace.id, id);
    return true;
  }
}
