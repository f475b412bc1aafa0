import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { JourneyInput } from '../journeys/journey-input.graphql-types';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { BacktestService } from './backtest.service';
import { BacktestType, JourneySimulationType, SimulationProfileInput, SimulationScriptEntryInput } from './simulation.graphql-types';
import { SimulationService } from './simulation.service';

@Resolver()
export class SimulationResolver {
  constructor(
    private readonly simulations: SimulationService,
    private readonly backtests: BacktestService,
  ) {}

  @Query(() => JourneySimulationType, {
    description:
      'Runs a journey (a saved one by `journeyId`, or `journey`, an input never saved) for one profile through a script on a virtual clock: nothing is stored or sent, nothing waits.',
  })
  simulateJourney(
    @CurrentWorkspace() workspace: Workspace,
    @Args('journeyId', { type: () => ID, nullable: true }) journeyId: string | null,
    @Args('journey', { type: () => JourneyInput, nullable: true }) journey: JourneyInput | null,
    @Args('profile', { type: () => SimulationProfileInput, nullable: true }) profile: SimulationProfileInput | null,
    @Args('script', { type: () => [SimulationScriptEntryInput] }) script: SimulationScriptEntryInput[],
    @Args('startAt', { type: () => Date, nullable: true, description: 'Where the virtual clock starts; default now.' }) startAt: Date | null,
  ): Promise<JourneySimulationType> {
    return this.simulations.simulate(workspace.id, { journeyId, journey, profile, script, startAt });
  }

  @Mutation(() => BacktestType, {
    description:
      'Replays the events the workspace accepted in [from, to) against a journey (saved or an input), on a virtual clock. A short one answers DONE; a long one answers QUEUED: poll `backtest(id)`.',
  })
  backtestJourney(
    @CurrentWorkspace() workspace: Workspace,
    @Args('journeyId', { type: () => ID, nullable: true }) journeyId: string | null,
    @Args('journey', { type: () => JourneyInput, nullable: true }) journey: JourneyInput | null,
    @Args('from') from: Date,
    @Args('to') to: Date,
  ): Promise<BacktestType> {
    return this.backtests.start(workspace.id, { journeyId, journey, from, to });
  }

  @Query(() => BacktestType, { nullable: true, description: 'A backtest with its status, progress and, once DONE, its result.' })
  backtest(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string): Promise<BacktestType | null> {
    return this.backtests.find(workspace.id, id);
  }

  @Mutation(() => BacktestType, { description: 'Stops a QUEUED or RUNNING backtest after the page it is replaying.' })
  cancelBacktest(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string): Promise<BacktestType> {
    return this.backtests.cancel(workspace.id, id);
  }
}
