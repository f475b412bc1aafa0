import { Args, Field, ID, Int, Mutation, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { JourneyTests, type JourneyTestState } from './journey-tests';
import { toJourneyType } from './journey.resolver';
import { JourneyType, ProblemType } from './journey.graphql-types';

@ObjectType('JourneyTest', { description: 'A DRAFT or PAUSED journey run for the workspace’s test profiles only.' })
export class JourneyTestType implements JourneyTestState {
  @Field() startedAt: Date;
  @Field(() => Int, {
    description: 'The test version new test entries run (numbered apart from published versions; a test instance’s journeyVersion is one).',
  })
  version: number;
  @Field(() => [ProblemType], {
    description: 'Why the latest edit is not the test version (it does not validate; new test entries run the last valid one); empty when it is.',
  })
  problems: ProblemType[];
}

@Resolver(() => JourneyType)
export class JourneyTestResolver {
  constructor(private readonly tests: JourneyTests) {}

  @Mutation(() => JourneyType, {
    description:
      'Runs a DRAFT or PAUSED journey for the workspace’s test profiles only: they enter on their real events, their activity is marked test. ' +
      'Validates it first (BAD_USER_INPUT with every problem). Under test already, new test entries run its latest version.',
  })
  async startJourneyTest(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string): Promise<JourneyType> {
    return toJourneyType(await this.tests.start(workspace.id, id));
  }

  @Mutation(() => JourneyType, { description: 'No new test entries; running test instances go on (resetTestProfile ends them). Publishing, resuming or archiving also stops it.' })
  async stopJourneyTest(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string): Promise<JourneyType> {
    return toJourneyType(await this.tests.stop(workspace.id, id));
  }

  @ResolveField(() => JourneyTestType, { nullable: true, description: 'Its test mode; null when it is not under test.' })
  test(@Parent() journey: JourneyType): Promise<JourneyTestType | null> {
    return this.tests.state(journey.id);
  }
}
