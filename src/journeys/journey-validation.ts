import { validateDraftDefinition, type DraftValidationContext, type DraftValidationResult } from '../engine/draft-validation';
import type { JourneyDraft } from '../engine/definition';
import { textLength, type Problem, type Report } from '../engine/problem';
import type { JourneyInputShape } from './journey-input-shapes';
import { JourneyLimits, MAX_DESCRIPTION_LENGTH } from './journey-limits';
import { normalizeJourneyInput, type NormalizeOptions } from './journey-normalizing';

export type { DestinationActionFields, DestinationSummary } from '../engine/steps/step-module';
export { countedSteps } from '../engine/draft-validation';
export { conditionProblems } from '../engine/filter-validation';
export { normalizeCondition } from '../engine/input-normalizing';
export type * from './journey-input-shapes';
export { normalizeJourneyInput, type NormalizeOptions } from './journey-normalizing';

export interface ValidationContext extends DraftValidationContext {
  limits: JourneyLimits;
  /** The journey's name; omitted, the name is not checked (e.g. when it was checked elsewhere). */
  name?: string;
  description?: string | null;
}

export type ValidationResult = DraftValidationResult;

/**
 * Every problem of a draft, each with its path in the journey input (`steps[2].hold.timeoutNext`):
 * the journey's own name and description here, its journey language in the engine. With none, the
 * definition the engine runs (start step filled in).
 */
export function validateJourneyDraft(draft: JourneyDraft, ctx: ValidationContext): ValidationResult {
  const problems: Problem[] = [];
  const report: Report = (path, message) => problems.push({ path, message });
  if (ctx.name !== undefined) checkJourneyName(ctx.name, ctx.limits, report);
  if (ctx.description != null && textLength(ctx.description) > MAX_DESCRIPTION_LENGTH) {
    report('description', `description is ${textLength(ctx.description)} characters long; the limit is ${MAX_DESCRIPTION_LENGTH}`);
  }
  const language = validateDraftDefinition(draft, ctx);
  problems.push(...language.problems);
  return problems.length > 0 || !language.definition ? { problems } : { problems, definition: language.definition };
}

/** Normalizes a `JourneyInput` and validates it with its own name and description. */
export function validateJourneyInput(
  input: JourneyInputShape,
  ctx: Omit<ValidationContext, 'name' | 'description'>,
  options: Pick<NormalizeOptions, 'random'> = {},
): ValidationResult & { draft: JourneyDraft } {
  const draft = normalizeJourneyInput(input, { limits: ctx.limits, random: options.random });
  const result = validateJourneyDraft(draft, { ...ctx, name: input.name ?? '', description: input.description });
  return { draft, ...result };
}

/**
 * The refusal for publishing one more journey in a workspace that already has `publishedCount`
 * published ones (not counting this journey), or null when there is room.
 */
export function publishedLimitProblem(publishedCount: number, limits: JourneyLimits): string | null {
  if (publishedCount < limits.maxPublishedPerWorkspace) return null;
  return (
    `the workspace already has ${publishedCount} published journeys; the limit is ${limits.maxPublishedPerWorkspace}. ` +
    'Archive one before publishing another.'
  );
}

function checkJourneyName(name: string, limits: JourneyLimits, report: Report): void {
  if (typeof name !== 'string' || name.trim() === '') report('name', 'journey needs a name');
  else if (textLength(name) > limits.maxNameLength) {
    report('name', `journey name is ${textLength(name)} characters long; the limit is ${limits.maxNameLength}`);
  }
}
