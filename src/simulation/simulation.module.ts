import { Module } from '@nestjs/common';
import { DeliveriesModule } from '../deliveries/deliveries.module';
import { JourneysModule } from '../journeys/journeys.module';
import { BacktestService } from './backtest.service';
import { BacktestWorker } from './backtest-worker';
import { SimulationResolver } from './simulation.resolver';
import { SimulationService } from './simulation.service';

/**
 * Simulations and backtests: the pure engine on a virtual clock (`src/engine/simulation.ts`), for one
 * scripted profile or for a period of stored events. Reads journeys and destinations; writes only its
 * backtests' rows.
 */
@Module({
  imports: [JourneysModule, DeliveriesModule],
  providers: [SimulationService, BacktestService, BacktestWorker, SimulationResolver],
})
export class SimulationModule {}
