import { Args, Context, ID, Int, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentWorkspace, type RequestContext } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { publisherOf } from './frozen-versions';
import { JourneyStatsType, JourneyType } from './journey.graphql-types';
import { toJourneyType } from './journey.resolver';
import { JourneyVersionType, VersionMigrationEnum } from './journey-version.graphql-types';
import type { VersionMigration } from './journey-version.entity';
import { JourneyVersionService } from './journey-versions.service';

const MIGRATION_ARG = {
  type: () => VersionMigrationEnum,
  nullable: true,
  defaultValue: 'STAY' as const,
  description: 'What in-flight instances do: STAY on their version (default), or MOVE_BY_STEP_KEY.',
};

@Resolver(() => JourneyType)
export class JourneyVersionResolver {
  constructor(private readonly versionService: JourneyVersionService) {}

  @Mutation(() => JourneyType, {
    description: 'Opens a draft of the next version of a PUBLISHED or PAUSED journey: updateJourney then takes any change, validated on publish.',
  })
  async createJourneyVersion(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string): Promise<JourneyType> {
    return toJourneyType(await this.versionService.create(workspace.id, id));
  }

  @Mutation(() => JourneyType, { description: 'Drops the open draft version; the journey shows its published version again.' })
  async discardJourneyVersion(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string): Promise<JourneyType> {
    return toJourneyType(await this.versionService.discard(workspace.id, id));
  }

  @Mutation(() => JourneyType, { description: 'Publishes the open draft version: new entries go to it at once.' })
  async publishJourneyVersion(
    @CurrentWorkspace() workspace: Workspace,
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('migration', MIGRATION_ARG) migration: VersionMigration | null,
  ): Promise<JourneyType> {
    return toJourneyType(await this.versionService.publish(workspace.id, id, migration ?? 'STAY', publisherOf(context)));
  }

  @Mutation(() => JourneyType, { description: 'Publishes an earlier version\'s definition again, as a new newest version.' })
  async rollbackJourney(
    @CurrentWorkspace() workspace: Workspace,
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('version', { type: () => Int }) version: number,
    @Args('migration', MIGRATION_ARG) migration: VersionMigration | null,
  ): Promise<JourneyType> {
    return toJourneyType(await this.versionService.rollback(workspace.id, id, version, migration ?? 'STAY', publisherOf(context)));
  }

  @ResolveField(() => [JourneyVersionType], { description: 'Published versions, newest first (none for a draft).' })
  async versions(@CurrentWorkspace() workspace: Workspace, @Parent() journey: JourneyType): Promise<JourneyVersionType[]> {
    const history = await this.versionService.history(workspace.id, journey.id);
    return history.map((row) => ({
      version: row.version,
      publishedAt: row.publishedAt,
      publishedByTokenId: row.publishedByTokenId,
      publishedByTokenName: row.publishedByTokenName,
      changes: row.changes,
      restoredFrom: row.restoredFrom,
      migration: row.migration,
      current: row.version === journey.version && journey.status !== 'DRAFT',
      activeInstances: row.activeInstances,
      journeyId: journey.id,
      statsShape: { stepOrder: row.definition.steps.map((step) => step.key), hasGoal: !!row.definition.goal },
    }));
  }
}

@Resolver(() => JourneyVersionType)
export class JourneyVersionStatsResolver {
  constructor(private readonly versionService: JourneyVersionService) {}

  @ResolveField(() => JourneyStatsType, { description: 'The counts of Journey.stats, over the instances that run this version (moved ones count where they are now).' })
  stats(@CurrentWorkspace() workspace: Workspace, @Parent() version: JourneyVersionType): Promise<JourneyStatsType> {
    return this.versionService.stats(workspace.id, version.journeyId, version.version, version.statsShape);
  }
}
