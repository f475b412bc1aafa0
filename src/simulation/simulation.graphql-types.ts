import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DurationScalar, JSONScalar } from '../common/graphql-scalars';
import type { ScriptEntryShape } from '../engine';
import { ProblemType } from '../journeys/journey.graphql-types';

@InputType('SimulationProfileInput')
export class SimulationProfileInput {
  @Field(() => String, { nullable: true, description: 'Default `simulated-user`.' }) userId?: string | null;
  @Field(() => JSONScalar, { nullable: true, description: 'The traits the profile has when the simulation starts.' }) traits?: unknown;
}

@InputType('SimulationTrackInput')
export class SimulationTrackInput {
  @Field(() => String) event: string;
  @Field(() => JSONScalar, { nullable: true }) properties?: unknown;
}

@InputType('SimulationIdentifyInput')
export class SimulationIdentifyInput {
  @Field(() => JSONScalar, { description: 'Merged into the traits at the top level, as identify calls are.' }) traits: unknown;
}

@InputType('SimulationScriptEntryInput', {
  description: 'Exactly one of `track`, `identify` (each at offset `at` from the start; default: where the clock is) or `advanceTo` (an offset itself).',
})
export class SimulationScriptEntryInput implements ScriptEntryShape {
  @Field(() => DurationScalar, { nullable: true, description: 'Offset from the start, e.g. PT0S, PT2H.' }) at?: string | null;
  @Field(() => SimulationTrackInput, { nullable: true }) track?: SimulationTrackInput | null;
  @Field(() => SimulationIdentifyInput, { nullable: true }) identify?: SimulationIdentifyInput | null;
  @Field(() => DurationScalar, { nullable: true, description: 'Moves the clock to this offset from the start, firing the timers due by then.' })
  advanceTo?: string | null;
}

@ObjectType('SimulatedInstance')
export class SimulatedInstanceType {
  @Field(() => ID) id: string;
  @Field() status: string;
  @Field(() => String, { nullable: true }) currentStep: string | null;
  @Field(() => String, { nullable: true }) uniqueId: string | null;
  @Field() converted: boolean;
  @Field(() => String, { nullable: true }) exitReason: string | null;
  @Field() enteredAt: Date;
  @Field(() => Date, { nullable: true }) endedAt: Date | null;
  @Field(() => Date, { nullable: true, description: 'When its pending timer would fire.' }) waitingUntil: Date | null;
  @Field(() => JSONScalar) context: unknown;
}

@ObjectType('SimulatedRecord', { description: 'A timeline record as the runtime would store it (delivery outcomes, SENT and SEND_FAILED, are not simulated).' })
export class SimulatedRecordType {
  @Field(() => ID) instanceId: string;
  @Field() type: string;
  @Field(() => String, { nullable: true }) stepKey: string | null;
  @Field(() => JSONScalar, { nullable: true }) detail: unknown;
  @Field() at: Date;
}

@ObjectType('SimulatedDecision')
export class SimulatedDecisionType {
  @Field(() => ID) instanceId: string;
  @Field() at: Date;
  @Field() stepKey: string;
  @Field() stepType: string;
  @Field() branch: string;
  @Field() reason: string;
}

@ObjectType('SimulatedSend', { description: 'The payload a send step would hand its plugin, mapped and validated; nothing is sent.' })
export class SimulatedSendType {
  @Field(() => ID) instanceId: string;
  @Field() at: Date;
  @Field() stepKey: string;
  @Field(() => ID) destinationId: string;
  @Field() action: string;
  @Field(() => String, { nullable: true }) eventName: string | null;
  @Field() idempotencyKey: string;
  @Field(() => JSONScalar, { nullable: true, description: 'Null when the mapping does not fit the action (see problems).' }) payload: unknown;
  @Field(() => [ProblemType], { description: 'Why a delivery would fail permanently: the mapping does not fit, or the destination is unknown.' })
  problems: ProblemType[];
}

@ObjectType('JourneySimulation')
export class JourneySimulationType {
  @Field() startedAt: Date;
  @Field({ description: 'Where the virtual clock stopped: the last script entry.' }) endedAt: Date;
  @Field(() => [SimulatedInstanceType]) instances: SimulatedInstanceType[];
  @Field(() => [SimulatedRecordType]) timeline: SimulatedRecordType[];
  @Field(() => [SimulatedDecisionType]) decisions: SimulatedDecisionType[];
  @Field(() => [SimulatedSendType]) sends: SimulatedSendType[];
}

export const BACKTEST_STATUSES = ['QUEUED', 'RUNNING', 'DONE', 'FAILED', 'CANCELLED'] as const;
export type BacktestStatus = (typeof BACKTEST_STATUSES)[number];
export const BacktestStatusEnum = Object.fromEntries(BACKTEST_STATUSES.map((status) => [status, status])) as { [S in BacktestStatus]: S };
registerEnumType(BacktestStatusEnum, { name: 'BacktestStatus' });

@ObjectType('BacktestPosition', { description: 'Where instances would be at the end of the period.' })
export class BacktestPositionType {
  @Field() status: string;
  @Field(() => String, { nullable: true, description: 'The step an ACTIVE instance waits at.' }) stepKey: string | null;
  @Field(() => String, { nullable: true }) exitReason: string | null;
  @Field(() => Int) count: number;
}

@ObjectType('BacktestBranchShare')
export class BacktestBranchShareType {
  @Field() stepKey: string;
  @Field() branch: string;
  @Field(() => Int) count: number;
  @Field(() => Float, { description: 'Of the decisions taken at this step.' }) share: number;
}

@ObjectType('BacktestStepCount')
export class BacktestStepCountType {
  @Field() stepKey: string;
  @Field(() => Int) count: number;
}

@ObjectType('BacktestResult')
export class BacktestResultType {
  @Field(() => Int) usersEntered: number;
  @Field(() => Int) instancesEntered: number;
  @Field(() => [BacktestPositionType]) atEnd: BacktestPositionType[];
  @Field(() => [BacktestBranchShareType]) branches: BacktestBranchShareType[];
  @Field(() => [BacktestStepCountType]) sendsPerStep: BacktestStepCountType[];
  @Field(() => Int) converted: number;
  @Field(() => Float, { description: 'converted / instancesEntered; 0 when none entered.' }) conversionRate: number;
}

@ObjectType('Backtest')
export class BacktestType {
  @Field(() => ID) id: string;
  @Field(() => ID, { nullable: true, description: 'Null for a journey input never saved.' }) journeyId: string | null;
  @Field() journeyName: string;
  @Field() from: Date;
  @Field() to: Date;
  @Field(() => BacktestStatusEnum) status: BacktestStatus;
  @Field(() => Int, { nullable: true, description: 'Stored events in the period; null until counted.' }) eventsTotal: number | null;
  @Field(() => Int) eventsReplayed: number;
  @Field(() => Int) usersReplayed: number;
  @Field(() => Float, { description: 'eventsReplayed / eventsTotal, 0 to 1.' }) progress: number;
  @Field(() => BacktestResultType, { nullable: true, description: 'Once DONE.' }) result: BacktestResultType | null;
  @Field(() => String, { nullable: true }) error: string | null;
  @Field() createdAt: Date;
  @Field(() => Date, { nullable: true }) finishedAt: Date | null;
}
