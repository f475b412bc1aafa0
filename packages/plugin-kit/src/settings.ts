import type { Problem, SettingsSchema } from './destination';
import { childPath, describe, isPlainObject } from './field-types';
import { fieldValueProblems } from './field-validation';

/**
 * Every problem with a destination's settings, each with its path (`settings.url`): missing required
 * settings, wrong types, values outside `choices`, `minimum` or `maximum`, bad formats, and unknown keys.
 * Absent settings that have a default are fine. Messages never echo a secret setting's value.
 */
export function validateSettings(schema: SettingsSchema, settings: unknown): Problem[] {
  if (!isPlainObject(settings)) return [{ path: 'settings', message: `must be an object, got ${describe(settings)}` }];
  const problems: Problem[] = [];
  const report = (key: string, message: string) => problems.push({ path: childPath('settings', key), message });

  for (const [key, field] of Object.entries(schema)) {
    const value = settings[key];
    if (value === undefined || value === null) {
      if (field.required && field.default === undefined) report(key, 'is required');
      continue;
    }
    problems.push(...fieldValueProblems(field, value, childPath('settings', key), field.secret === true));
  }
  for (const key of Object.keys(settings)) {
    if (!Object.hasOwn(schema, key)) report(key, 'is not a setting of this destination');
  }
  return problems;
}

/** The settings with each absent (or null) setting replaced by a copy of its default. */
export function applySettingDefaults(schema: SettingsSchema, settings: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...settings };
  for (const [key, field] of Object.entries(schema)) {
    if ((result[key] === undefined || result[key] === null) && field.default !== undefined) {
      result[key] = structuredClone(field.default);
    }
  }
  return result;
}

/**
 * The settings safe to show: only declared settings that are not `secret`. Secrets are dropped rather than
 * masked, so a masked placeholder can never be saved back as the secret's value.
 */
export function redactSettings(schema: SettingsSchema, settings: Record<string, unknown>): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema)) {
    if (!field.secret && settings[key] !== undefined) shown[key] = settings[key];
  }
  return shown;
}

/** RFC 9110 token characters for a header name; a value may hold visible characters, spaces and tabs. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
export const SENDABLE_HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Why `value` is not a set of headers that can be sent (values are never echoed: headers carry credentials). */
export function headersProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'must be an object of header names to values';
  for (const [name, headerValue] of Object.entries(value)) {
    if (!HEADER_NAME.test(name)) return `has a header name that cannot be sent: ${JSON.stringify(name.slice(0, 40))}`;
    if (typeof headerValue !== 'string') return `header ${name} must be a string`;
    if (!SENDABLE_HEADER_VALUE.test(headerValue)) return `header ${name} has a value with a control character (such as a line break or NUL), which cannot be sent`;
  }
  return undefined;
}

export function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}
