import type { ActionDefinition, ActionField, Problem } from './destination';
import { childPath, describe, isPlainObject } from './field-types';
import { fieldValueProblems } from './field-validation';
import { evaluateMapping } from './mapping';

/**
 * Every problem with a mapped payload, each with the field's path (`data`, `event`): missing required
 * fields, wrong types, values outside `choices`, formats or bounds, and keys that are not fields of the action. Null counts as absent.
 */
export function validatePayload(fields: Record<string, ActionField>, payload: unknown): Problem[] {
  if (!isPlainObject(payload)) {
    return [{ path: '', message: `must be an object whose keys are the action's fields, got ${describe(payload)}` }];
  }
  const problems: Problem[] = [];
  for (const [name, field] of Object.entries(fields)) {
    const value = payload[name];
    if (value === undefined || value === null) {
      if (field.required) problems.push({ path: childPath('', name), message: 'is required' });
      continue;
    }
    problems.push(...fieldValueProblems(field, value, childPath('', name)));
  }
  for (const key of Object.keys(payload)) {
    if (!Object.hasOwn(fields, key)) {
      problems.push({ path: childPath('', key), message: `is not a field of this action (fields: ${Object.keys(fields).join(', ')})` });
    }
  }
  return problems;
}

/**
 * The mapping with each field it leaves out filled by that field's default mapping, so that
 * `{}` maps webhook `data` from `$.entry.properties`. A mapping that is not an object is returned as is
 * (validation will reject what it produces).
 */
export function applyFieldDefaults(fields: Record<string, ActionField>, mapping: unknown): unknown {
  if (mapping === undefined || mapping === null) mapping = {};
  if (!isPlainObject(mapping)) return mapping;
  const result: Record<string, unknown> = { ...mapping };
  for (const [name, field] of Object.entries(fields)) {
    if (result[name] === undefined && field.default !== undefined) result[name] = structuredClone(field.default);
  }
  return result;
}

/** A payload built for one action, or every reason it could not be. */
export interface BuiltPayload {
  payload: Record<string, unknown>;
  problems: Problem[];
}

/**
 * The payload a send step gives `perform`: field defaults applied to the mapping, the mapping evaluated
 * against the journey context, the result validated against the action's fields. Any problem is a
 * permanent failure for that delivery; `previewPayload` shows the same result without sending.
 */
export function buildPayload(action: Pick<ActionDefinition, 'fields'>, mapping: unknown, context: object): BuiltPayload {
  const mapped = evaluateMapping(applyFieldDefaults(action.fields, mapping), context);
  // A malformed directive also leaves its field empty; reporting "is required" too would only repeat it.
  const problems = mapped.problems.length > 0 ? mapped.problems : validatePayload(action.fields, mapped.value);
  return { payload: isPlainObject(mapped.value) ? mapped.value : {}, problems };
}
