import { badUserInput, type Problem } from '../common/errors';
import { mappingSizeProblems } from '@itinera/plugin-kit';
import type { DraftStep } from '../engine/definition';

/**
 * Refuses a draft whose send step mappings are over the mapping limits, when it is saved: drafts may be
 * unfinished, but an oversized mapping would cost every preview and every delivery its evaluation.
 */
export function refuseOversizedMappings(steps: readonly DraftStep[] | undefined): void {
  const problems: Problem[] = (steps ?? []).flatMap((step, index) =>
    step?.send?.mapping === undefined ? [] : mappingSizeProblems(step.send.mapping).map((p) => ({ path: `steps[${index}].send.mapping`, message: p.message })),
  );
  if (problems.length > 0) throw badUserInput(problems);
}
