import type { DraftStep } from './definition';
import { STEP_KEY_PATTERN } from './definition';
import { quote, textLength, type Report } from './problem';
import { stepReferences } from './step-graph';
import { CONFIG_KEYS, STEP_TYPES, stepModuleOf } from './steps/registry';
import type { StepValidationContext } from './steps/step-module';

export interface StepLimits {
  maxStepNameLength: number;
  maxStepKeyLength: number;
}

/**
 * Every problem of one step: its key (unique, bounded, plain), its name, its type, the configuration
 * blocks it carries (only its type's own), its configuration as its module checks it, and the steps it names.
 */
export function checkStep(
  step: DraftStep,
  i: number,
  firstIndexOfKey: ReadonlyMap<string, number>,
  keys: ReadonlySet<string>,
  ctx: StepValidationContext & { limits: StepLimits },
  report: Report,
): void {
  const path = `steps[${i}]`;
  const { limits } = ctx;
  const key = step?.key;
  const label = typeof key === 'string' && key !== '' ? `step ${quote(key)}` : path;

  if (typeof key !== 'string' || key === '') report(`${path}.key`, `${path} needs a key`);
  else if (firstIndexOfKey.has(key)) report(`${path}.key`, `step key ${quote(key)} is already used by steps[${firstIndexOfKey.get(key)}]`);
  else if (textLength(key) > limits.maxStepKeyLength) {
    report(`${path}.key`, `step key ${quote(key)} is ${textLength(key)} characters long; the limit is ${limits.maxStepKeyLength}`);
  } else if (!STEP_KEY_PATTERN.test(key)) report(`${path}.key`, `step key ${quote(key)} may only contain letters, digits, _ and -`);

  const name = step?.name;
  if (typeof name !== 'string' || name.trim() === '') report(`${path}.name`, `${label} needs a name`);
  else if (textLength(name) > limits.maxStepNameLength) {
    report(`${path}.name`, `name of ${label} is ${textLength(name)} characters long; the limit is ${limits.maxStepNameLength}`);
  }

  const type = step?.type;
  const module = (STEP_TYPES as readonly string[]).includes(type) ? stepModuleOf(type) : undefined;
  if (!module) {
    report(`${path}.type`, `${label} has unknown type ${quote(type)}`);
    return;
  }
  const fields = step as Record<string, unknown>;
  const own = module.configKey;
  for (const configKey of CONFIG_KEYS) {
    if (configKey !== own && fields[configKey] != null) report(`${path}.${configKey}`, `${type} ${label} takes no ${configKey}`);
  }
  if (step.next !== undefined && !module.takesNext) report(`${path}.next`, `${type} ${label} takes no next; ${module.nextAdvice ?? ''}`);
  const configured = own === undefined || fields[own] != null;
  if (!configured) report(`${path}.${own}`, `${type} ${label} needs ${own}`);
  else if (own !== undefined) module.validate?.(fields[own], { path, label }, ctx, report);

  for (const reference of stepReferences(step)) {
    if (!keys.has(reference.target)) report(`${path}.${reference.path}`, `${label} points to unknown step ${quote(reference.target)}`);
  }
}
