import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { Problem } from '../common/errors';
import { CurrentWorkspace, type RequestContext } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import type { JourneyStatus } from '../engine/definition';
import { JourneyInput, JourneyPatchInput } from './journey-input.graphql-types';
import { JourneyConnectionType, JourneyStatsType, JourneyStatusEnum, JourneyType, ProblemType } from './journey.graphql-types';
import { Journey } from './journey.entity';
import { JourneyService } from './journey.service';
import { publisherOf } from './frozen-versions';

/** A stored journey as the API shows it: its draft's parts as fields of its own. */
export function toJourneyType(journey: Journey): JourneyType {
  const { draft } = journey;
  return {
    id: journey.id,
    name: journey.name,
    description: journey.description,
    status: journey.status,
    version: journey.version,
    draftVersion: journey.draftVersion,
    trigger: draft.trigger,
    entry: draft.entry,
    transactional: draft.transactional ?? false,
    exit: draft.exit ?? [],
    goal: draft.goal,
    timeZone: draft.timeZone ?? null,
    quietHours: draft.quietHours ?? null,
    steps: draft.steps,
    startStep: draft.startStep ?? draft.steps[0]?.key ?? null,
    duplicatedFromId: journey.duplicatedFromId,
    createdAt: journey.createdAt,
    updatedAt: journey.updatedAt,
    publishedAt: journey.publishedAt,
  };
}

@Resolver(() => JourneyType)
export class JourneyResolver {
  constructor(private readonly journeyService: JourneyService) {}

  @Query(() => JourneyConnectionType, { description: 'Oldest first; `first` is at most 200.' })
  async journeys(
    @CurrentWorkspace() workspace: Workspace,
    @Args('status', { type: () => JourneyStatusEnum, nullable: true }) status: JourneyStatus | null,
    @Args('first', { type: () => Int, nullable: true, defaultValue: 50 }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
  ): Promise<JourneyConnectionType> {
    const page = await this.journeyService.list(workspace.id, { status, first, after });
    return {
      nodes: page.nodes.map(toJourneyType),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      totalCount: page.totalCount,
    };
  }

  @Query(() => JourneyType, { nullable: true })
  async journey(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string): Promise<JourneyType | null> {
    const journey = await this.journeyService.find(workspace.id, id);
    return journey ? toJourneyType(journey) : null;
  }

  @Query(() => [ProblemType], { description: 'Every problem that would stop this journey from being published; empty when none.' })
  validateJourney(@CurrentWorkspace() workspace: Workspace, @Args('input') input: JourneyInput): Promise<Problem[]> {
    return this.journeyService.validate(workspace.id, input);
  }

  @Mutation(() => JourneyType, { description: 'Saves a DRAFT, finished or not; step keys are generated where missing.' })
  async createJourney(@CurrentWorkspace() workspace: Workspace, @Args('input') input: JourneyInput): Promise<JourneyType> {
    return toJourneyType(await this.journeyService.create(workspace.id, input));
  }

  @Mutation(() => JourneyType)
  async updateJourney(
    @CurrentWorkspace() workspace: Workspace,
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: JourneyPatchInput,
  ): Promise<JourneyType> {
    return toJourneyType(await this.journeyService.update(workspace.id, id, input, publisherOf(context)));
  }

  @Mutation(() => JourneyType, { description: 'A new DRAFT copy; its send steps get new keys and are all enabled.' })
  async duplicateJourney(
    @CurrentWorkspace() workspace: Workspace,
    @Args('id', { type: () => ID }) id: string,
    @Args('name') name: string,
  ): Promise<JourneyType> {
    return toJourneyType(await this.journeyService.duplicate(workspace.id, id, name));
  }

  @Mutation(() => JourneyType)
  async publishJourney(
    @CurrentWorkspace() workspace: Workspace,
    @Context() context: RequestContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<JourneyType> {
    return toJourneyType(await this.journeyService.publish(workspace.id, id, publisherOf(context)));
  }

  @Mutation(() => JourneyType)
  async pauseJourney(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string): Promise<JourneyType> {
    return toJourneyType(await this.journeyService.pause(workspace.id, id));
  }

  @Mutation(() => JourneyType)
  async resumeJourney(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string): Promise<JourneyType> {
    return toJourneyType(await this.journeyService.resume(workspace.id, id));
  }

  @Mutation(() => JourneyType, { description: 'Ends its active instances (reason `archived`).' })
  async archiveJourney(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string): Promise<JourneyType> {
    return toJourneyType(await this.journeyService.archive(workspace.id, id));
  }

  @Mutation(() => Boolean, { description: 'Drafts only.' })
  deleteJourney(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string): Promise<boolean> {
    return this.journeyService.delete(workspace.id, id);
  }

  @ResolveField(() => JourneyStatsType)
  async stats(@CurrentWorkspace() workspace: Workspace, @Parent() journey: JourneyType): Promise<JourneyStatsType> {
    return this.journeyService.stats(workspace.id, journey.id, { stepOrder: journey.steps.map((step) => step.key), hasGoal: !!journey.goal });
  }
}
