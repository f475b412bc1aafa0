import type { Problem } from '../common/errors';
import type { Condition } from '../engine/definition';
import { conditionProblems, normalizeCondition, type ConditionInputShape } from '../journeys/journey-validation';

export const MAX_AUDIENCE_NAME_LENGTH = 100;

/** `AudienceInput` as it arrives. */
export interface AudienceInputShape {
  name: string;
  condition: ConditionInputShape;
}

export interface AudienceValidation {
  problems: Problem[];
  /** Present exactly when there are no problems. */
  audience?: { name: string; condition: Condition };
}

/**
 * Every problem of an audience, each with its path (`condition.performed[0].within`). Conditions are checked
 * as a journey's are, except that filters may only read the profile's traits: an audience has no journey context.
 */
export function validateAudienceInput(input: AudienceInputShape): AudienceValidation {
  const problems: Problem[] = [];
  const name = typeof input?.name === 'string' ? input.name.trim() : '';
  if (name === '') problems.push({ path: 'name', message: 'audience needs a name' });
  else if ([...name].length > MAX_AUDIENCE_NAME_LENGTH) {
    problems.push({ path: 'name', message: `audience name is ${[...name].length} characters long; the limit is ${MAX_AUDIENCE_NAME_LENGTH}` });
  }
  const condition = normalizeCondition(input?.condition);
  problems.push(...conditionProblems(input?.condition ? condition : undefined, 'condition', 'the audience', 'profile'));
  return problems.length ? { problems } : { problems, audience: { name, condition } };
}

/** A condition on its own (previewAudience): the same rules as an audience's. */
export function validateAudienceCondition(input: ConditionInputShape): { problems: Problem[]; condition?: Condition } {
  const condition = normalizeCondition(input);
  const problems = conditionProblems(input ? condition : undefined, 'condition', 'the audience', 'profile');
  return problems.length ? { problems } : { problems, condition };
}
