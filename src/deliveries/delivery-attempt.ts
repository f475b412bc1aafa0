import {
  performAttempt as attempt,
  performBatchAttempt as batchAttempt,
  type ActionDefinition,
  type AttemptInput,
  type AttemptLimits,
  type AttemptOutcome,
} from '@itinera/plugin-kit/host';
import { storableJson, storableText } from '../common/storable-text';

export { boundedResponse, PERFORM_DEADLINE_MS, type AttemptInput, type AttemptLimits, type AttemptOutcome } from '@itinera/plugin-kit/host';

/**
 * The kit's delivery attempt (the one its test helper runs too), with what the destination said made
 * storable: a NUL or a lone surrogate in one answer must not fail the write that records a group's outcomes.
 */
export async function performAttempt(action: ActionDefinition, input: AttemptInput, limits: AttemptLimits): Promise<AttemptOutcome> {
  return storable(await attempt(action, input, limits));
}

/** The kit's batch attempt (`performBatch`), each item's outcome made storable. */
export async function performBatchAttempt(action: ActionDefinition, inputs: AttemptInput[], limits: AttemptLimits): Promise<AttemptOutcome[]> {
  return (await batchAttempt(action, inputs, limits)).map(storable);
}

function storable(outcome: AttemptOutcome): AttemptOutcome {
  if (outcome.result === 'delivered') return { ...outcome, response: storableJson(outcome.response) };
  return { ...outcome, error: storableText(outcome.error) };
}
