import { Injectable } from '@nestjs/common';
import { badUserInput, type Problem } from '../common/errors';
import { DeliveryTargets, type DeliveryTarget } from '../deliveries/delivery-targets';
import { decisionsOf, JourneySimulation, readScript, runScript, simulationProblems, type ScriptEntryShape, type SimulatedSend } from '../engine';
import type { JourneyInputShape } from '../journeys/journey-input-shapes';
import { RunnableDefinitions, type RunnableDefinition } from '../journeys/runnable-definitions';
import { buildPayload } from '@itinera/plugin-kit';
import type { JourneySimulationType, SimulatedSendType } from './simulation.graphql-types';

/** A script has at most this many entries: a simulation answers in one request. */
export const MAX_SCRIPT_ENTRIES = 1_000;

export interface SimulationRequest {
  journeyId?: string | null;
  journey?: JourneyInputShape | null;
  profile?: { userId?: string | null; traits?: unknown } | null;
  script: readonly ScriptEntryShape[];
  startAt?: Date | null;
}

/**
 * `simulateJourney`: the pure engine on a virtual clock (see `JourneySimulation`), and each send's payload
 * built by the plugin kit exactly as a delivery builds it. Nothing is stored, enqueued or sent.
 */
@Injectable()
export class SimulationService {
  constructor(
    private readonly definitions: RunnableDefinitions,
    private readonly targets: DeliveryTargets,
  ) {}

  async simulate(workspaceId: string, request: SimulationRequest): Promise<JourneySimulationType> {
    const runnable = await this.runnable(workspaceId, request);
    const startAt = (request.startAt ?? new Date()).getTime();
    const problems: Problem[] = [];
    if (request.script.length > MAX_SCRIPT_ENTRIES) problems.push({ path: 'script', message: `has ${request.script.length} entries; the limit is ${MAX_SCRIPT_ENTRIES}` });
    const traits = request.profile?.traits;
    if (traits != null && !isPlainObject(traits)) problems.push({ path: 'profile.traits', message: 'must be a JSON object' });
    const script = readScript(request.script.slice(0, MAX_SCRIPT_ENTRIES), startAt);
    problems.push(...script.problems);
    if (problems.length > 0) throw badUserInput(problems);

    const simulation = new JourneySimulation({
      definition: runnable.definition,
      journey: identityOf(runnable),
      userId: request.profile?.userId ?? 'simulated-user',
      traits: isPlainObject(traits) ? traits : {},
    });
    runScript(simulation, script.steps);
    const resolve = this.resolverFor(workspaceId);
    return {
      startedAt: new Date(startAt),
      endedAt: new Date(Math.max(startAt, simulation.clock)),
      instances: simulation.instances.map((state) => ({
        id: state.id,
        status: state.status,
        currentStep: state.currentStep,
        uniqueId: state.uniqueId,
        converted: state.converted,
        exitReason: state.exitReason,
        enteredAt: new Date(state.enteredAt),
        endedAt: state.endedAt === null ? null : new Date(state.endedAt),
        waitingUntil: state.waitingUntil === null ? null : new Date(state.waitingUntil),
        context: state.context,
      })),
      timeline: simulation.timeline.map((record) => ({ ...record, at: new Date(record.at) })),
      decisions: decisionsOf(runnable.definition, simulation.timeline).map((decision) => ({ ...decision, at: new Date(decision.at) })),
      sends: await Promise.all(simulation.sends.map((send) => this.payloadOf(send, resolve))),
    };
  }

  /** The journey to simulate; audience-driven ones are refused with the reason. */
  async runnable(workspaceId: string, source: { journeyId?: string | null; journey?: JourneyInputShape | null }): Promise<RunnableDefinition> {
    const runnable = await this.definitions.resolve(workspaceId, { journeyId: source.journeyId, input: source.journey });
    const refusals = simulationProblems(runnable.definition);
    if (refusals.length > 0) throw badUserInput(refusals);
    return runnable;
  }

  private async payloadOf(send: SimulatedSend, resolve: TargetResolver): Promise<SimulatedSendType> {
    const { request } = send;
    const base = {
      instanceId: send.instanceId,
      at: new Date(send.at),
      stepKey: request.stepKey,
      destinationId: request.destinationId,
      action: request.action,
      eventName: request.eventName,
      idempotencyKey: request.idempotencyKey,
    };
    const target = await resolve(request.destinationId, request.action);
    if (!target.found) return { ...base, payload: null, problems: [{ path: target.on, message: target.problem }] };
    const { payload, problems } = buildPayload(target.action, request.mapping, request.context);
    const located = problems.map((problem) => ({ path: problem.path ? `mapping.${problem.path}` : 'mapping', message: problem.message }));
    return { ...base, payload: problems.length > 0 ? null : payload, problems: located };
  }

  /** Each destination and action looked up once per simulation; a disabled destination still shows what it would get. */
  private resolverFor(workspaceId: string): TargetResolver {
    const resolved = new Map<string, Promise<DeliveryTarget>>();
    return (destinationId, action) => {
      const key = `${destinationId}:${action}`;
      if (!resolved.has(key)) resolved.set(key, this.targets.resolve(workspaceId, destinationId, action, { allowDisabled: true }));
      return resolved.get(key)!;
    };
  }
}

type TargetResolver = (destinationId: string, action: string) => Promise<DeliveryTarget>;

export function identityOf(runnable: RunnableDefinition): { id: string; name: string; version: number } {
  return { id: runnable.journeyId ?? '00000000-0000-4000-8000-000000000000', name: runnable.name, version: runnable.version };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
