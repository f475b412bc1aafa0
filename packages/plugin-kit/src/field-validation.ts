import type { Problem } from './destination';
import { choiceValues, type FieldSpec } from './fields';
import { childPath, describe, enumMismatch, isPlainObject, typeMismatch } from './field-types';
import { headersProblem, isHttpUrl } from './settings';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Every problem with one present (not null) value of `field` at `path`: its type, its choices, its format,
 * its bounds, each item of a `multiple` field and each property of an object with `properties`.
 * `secret` values are never echoed in messages.
 */
export function fieldValueProblems(field: FieldSpec, value: unknown, path: string, secret = false): Problem[] {
  if (!field.multiple) return singleValueProblems(field, value, path, secret);
  if (!Array.isArray(value)) return [{ path, message: `must be a list${secret ? '' : `, got ${describe(value)}`}` }];
  return value.flatMap((item, index) => singleValueProblems(field, item, childPath(path, index), secret));
}

function singleValueProblems(field: FieldSpec, value: unknown, path: string, secret: boolean): Problem[] {
  const got = secret ? '' : `, got ${describe(value)}`;
  const report = (message: string): Problem[] => [{ path, message }];
  const expected = typeMismatch(field.type, value) ?? enumMismatch(choiceValues(field), value);
  if (expected) return report(`must be ${expected}${got}`);
  if (field.format === 'uri' && !isHttpUrl(value)) return report(`must be an absolute http(s) URL such as https://example.com/hook${got}`);
  if (field.format === 'email' && (typeof value !== 'string' || !EMAIL.test(value))) return report(`must be an e-mail address${got}`);
  if (field.format === 'http-headers') {
    const problem = headersProblem(value);
    if (problem) return report(problem);
  }
  const size = typeof value === 'number' ? value : typeof value === 'string' ? value.length : undefined;
  const unit = typeof value === 'string' ? ' characters long' : '';
  if (size !== undefined && field.minimum !== undefined && size < field.minimum) return report(`must be at least ${field.minimum}${unit}${got}`);
  if (size !== undefined && field.maximum !== undefined && size > field.maximum) return report(`must be at most ${field.maximum}${unit}${got}`);
  if (field.properties && isPlainObject(value)) return propertyProblems(field.properties, value, path, secret);
  return [];
}

function propertyProblems(properties: Record<string, FieldSpec>, value: Record<string, unknown>, path: string, secret: boolean): Problem[] {
  const problems: Problem[] = [];
  for (const [key, property] of Object.entries(properties)) {
    const item = value[key];
    if (item === undefined || item === null) {
      if (property.required && property.default === undefined) problems.push({ path: childPath(path, key), message: 'is required' });
      continue;
    }
    problems.push(...fieldValueProblems(property, item, childPath(path, key), secret || property.secret === true));
  }
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(properties, key)) problems.push({ path: childPath(path, key), message: `is not a property of this object (properties: ${Object.keys(properties).join(', ')})` });
  }
  return problems;
}
