import { Args, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { TestRuns } from '../instances/test-runs';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { MAX_TEST_PROFILES, TestProfiles, type TestProfile } from './test-profiles.service';

@ObjectType('TestProfile', { description: 'A user who enters journeys under test (startJourneyTest).' })
export class TestProfileType implements TestProfile {
  @Field() userId: string;
  @Field() addedAt: Date;
}

@Resolver(() => TestProfileType)
export class TestModeResolver {
  constructor(
    private readonly profiles: TestProfiles,
    private readonly runs: TestRuns,
  ) {}

  @Query(() => [TestProfileType], { description: 'The workspace’s test profiles, oldest first.' })
  testProfiles(@CurrentWorkspace() workspace: Workspace): Promise<TestProfile[]> {
    return this.profiles.list(workspace.id);
  }

  @Mutation(() => TestProfileType, {
    description: `Makes the user a test profile (at most ${MAX_TEST_PROFILES} per workspace); adding one already there changes nothing.`,
  })
  addTestProfile(@CurrentWorkspace() workspace: Workspace, @Args('userId') userId: string): Promise<TestProfile> {
    return this.profiles.add(workspace.id, userId);
  }

  @Mutation(() => Boolean, { description: 'False when the user was not a test profile. Their running test instances go on.' })
  removeTestProfile(@CurrentWorkspace() workspace: Workspace, @Args('userId') userId: string): Promise<boolean> {
    return this.profiles.remove(workspace.id, userId);
  }

  @Mutation(() => Int, {
    description:
      'Ends the user’s active test instances of the journey (EXITED, reason test_reset) and lets them enter its test again, ' +
      'even with entry mode ONCE. Live instances are not touched. Returns the number of instances ended.',
  })
  resetTestProfile(
    @CurrentWorkspace() workspace: Workspace,
    @Args('userId') userId: string,
    @Args('journeyId', { type: () => ID }) journeyId: string,
  ): Promise<number> {
    return this.runs.resetTestProfile(workspace.id, userId, journeyId);
  }
}
