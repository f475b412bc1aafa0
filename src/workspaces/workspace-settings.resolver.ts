import { Args, Field, InputType, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { QuietHoursInput, QuietHoursType } from '../common/time-settings.graphql-types';
import type { QuietHours } from '../engine/time-settings';
import { CurrentWorkspace } from './request-context';
import { Workspace } from './workspace.entity';
import type { WorkspaceTimeSettingsInputShape } from './workspace-time-settings';
import { WorkspaceService } from './workspace.service';

@ObjectType('WorkspaceSettings', { description: 'Defaults for journeys that set none of their own.' })
export class WorkspaceSettingsType {
  @Field(() => String, { nullable: true, description: 'IANA zone of profiles without a valid one; null: UTC.' }) timeZone: string | null;
  @Field(() => QuietHoursType, { nullable: true, description: 'Null: no quiet hours.' }) quietHours: QuietHours | null;
}

@InputType('WorkspaceSettingsInput', { description: 'A field left out stays as it is; null clears it.' })
export class WorkspaceSettingsInput implements WorkspaceTimeSettingsInputShape {
  @Field(() => String, { nullable: true, description: 'An IANA name, e.g. Europe/Berlin.' }) timeZone?: string | null;
  @Field(() => QuietHoursInput, { nullable: true }) quietHours?: QuietHoursInput | null;
}

@Resolver(() => WorkspaceSettingsType)
export class WorkspaceSettingsResolver {
  constructor(private readonly workspaces: WorkspaceService) {}

  @Query(() => WorkspaceSettingsType, { description: 'The default time zone and quiet hours of the caller’s workspace.' })
  async workspaceSettings(@CurrentWorkspace() workspace: Workspace): Promise<WorkspaceSettingsType> {
    return toSettingsType(await this.workspaces.timeSettings(workspace.id));
  }

  @Mutation(() => WorkspaceSettingsType, { description: 'Problems come back together, each with its path (input.quietHours.start).' })
  async updateWorkspaceSettings(@CurrentWorkspace() workspace: Workspace, @Args('input') input: WorkspaceSettingsInput): Promise<WorkspaceSettingsType> {
    return toSettingsType(await this.workspaces.updateTimeSettings(workspace.id, input));
  }
}

function toSettingsType(settings: { timeZone?: string; quietHours?: QuietHours }): WorkspaceSettingsType {
  return { timeZone: settings.timeZone ?? null, quietHours: settings.quietHours ?? null };
}
