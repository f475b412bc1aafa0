import { decisionsOf, type JourneyDefinition, type JourneySimulation } from '../engine';
import type { BacktestResultType } from './simulation.graphql-types';

/**
 * What a backtest reports, counted user by user as each one's replay ends: only counts are kept, so its
 * memory grows with the journey's steps and branches, never with users or events.
 */
export class BacktestTally {
  private usersEntered = 0;
  private instancesEntered = 0;
  private converted = 0;
  private readonly positions = new Map<string, { status: string; stepKey: string | null; exitReason: string | null; count: number }>();
  private readonly branches = new Map<string, { stepKey: string; branch: string; count: number }>();
  private readonly sends = new Map<string, number>();

  constructor(private readonly definition: JourneyDefinition) {}

  /** A user's instances, once their replay is over. */
  addUser(simulation: JourneySimulation): void {
    this.addRecords(simulation);
    const instances = simulation.instances;
    if (instances.length > 0) this.usersEntered += 1;
    this.instancesEntered += instances.length;
    for (const state of instances) {
      if (state.converted) this.converted += 1;
      const position = { status: state.status, stepKey: state.currentStep, exitReason: state.exitReason };
      const key = JSON.stringify(position);
      const known = this.positions.get(key) ?? { ...position, count: 0 };
      known.count += 1;
      this.positions.set(key, known);
    }
  }

  /** The decisions and sends a user's replay made so far, which the simulation then forgets. */
  addRecords(simulation: JourneySimulation): void {
    const { timeline, sends } = simulation.drain();
    for (const decision of decisionsOf(this.definition, timeline)) {
      const key = `${decision.stepKey}\u0000${decision.branch}`;
      const known = this.branches.get(key) ?? { stepKey: decision.stepKey, branch: decision.branch, count: 0 };
      known.count += 1;
      this.branches.set(key, known);
    }
    for (const send of sends) this.sends.set(send.request.stepKey, (this.sends.get(send.request.stepKey) ?? 0) + 1);
  }

  /** Steps in the journey's order (ended instances, at no step, last), then by count. */
  result(): BacktestResultType {
    const order = new Map(this.definition.steps.map((step, index) => [step.key, index]));
    const byStep = (a: { stepKey: string | null; count: number }, b: { stepKey: string | null; count: number }) =>
      (order.get(a.stepKey ?? '') ?? order.size) - (order.get(b.stepKey ?? '') ?? order.size) || b.count - a.count;
    const decisionsAt = new Map<string, number>();
    for (const branch of this.branches.values()) decisionsAt.set(branch.stepKey, (decisionsAt.get(branch.stepKey) ?? 0) + branch.count);
    return {
      usersEntered: this.usersEntered,
      instancesEntered: this.instancesEntered,
      atEnd: [...this.positions.values()].sort(byStep),
      branches: [...this.branches.values()].map((branch) => ({ ...branch, share: branch.count / decisionsAt.get(branch.stepKey)! })).sort(byStep),
      sendsPerStep: [...this.sends].map(([stepKey, count]) => ({ stepKey, count })).sort(byStep),
      converted: this.converted,
      conversionRate: this.instancesEntered === 0 ? 0 : this.converted / this.instancesEntered,
    };
  }
}
