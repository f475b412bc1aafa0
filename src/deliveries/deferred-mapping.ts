import { buildPayload, describeProblems, type ActionDefinition } from '@itinera/plugin-kit';

/**
 * A send scheduled while its plugin was not loaded in the scheduling process (`start:prod` without the
 * plugin folder, a worker deployed without it): its mapping cannot be checked against the action's
 * fields yet, so it is kept with the context it maps from, and mapped at the first attempt that finds the
 * plugin. Until then attempts are retryable failures: loading the plugin fixes them.
 */
export interface UnmappedPayload {
  mapping: unknown;
  context: object;
}

/** The payload to send: the stored one, or the deferred mapping applied now (a mapping that does not fit is permanent). */
export function payloadToSend(
  delivery: { payload: Record<string, unknown>; unmapped: UnmappedPayload | null; stepKey: string },
  pluginName: string,
  actionName: string,
  action: ActionDefinition,
): { payload: Record<string, unknown> } | { error: string } {
  if (!delivery.unmapped) return { payload: delivery.payload };
  const { payload, problems } = buildPayload(action, delivery.unmapped.mapping, delivery.unmapped.context);
  if (problems.length === 0) return { payload };
  return { error: `the mapping of step "${delivery.stepKey}" does not fit ${pluginName}.${actionName}: ${describeProblems(problems)}` };
}
