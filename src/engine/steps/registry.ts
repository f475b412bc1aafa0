import { endStep, type EndStep } from './end';
import { holdUntilStep, type HoldUntilStep } from './hold-until';
import { multiBranchStep, type MultiBranchStep } from './multi-branch';
import { randomSplitStep, type RandomSplitStep } from './random-split';
import { sendStep, type SendStep } from './send';
import { splitStep, type SplitStep } from './split';
import type { Nullable } from '../input-normalizing';
import type { StepModule } from './step-module';
import { waitForConditionStep, type WaitForConditionStep } from './wait-for-condition';
import { waitStep, type WaitStep } from './wait';
import { waitUntilStep, type WaitUntilStep } from './wait-until';

/** A step of a validated definition: exactly the configuration its type needs. */
export type JourneyStep =
  | HoldUntilStep
  | WaitStep
  | WaitUntilStep
  | WaitForConditionStep
  | SplitStep
  | MultiBranchStep
  | RandomSplitStep
  | SendStep
  | EndStep;

/**
 * Every step type of the journey language, in the order the API lists them. Everything that handles
 * steps iterates this list; a new type is one module here (see README.md).
 */
export const STEP_MODULES = [
  holdUntilStep,
  waitStep,
  waitUntilStep,
  waitForConditionStep,
  splitStep,
  multiBranchStep,
  randomSplitStep,
  sendStep,
  endStep,
] as const satisfies readonly StepModule<any, any>[];

export type StepType = (typeof STEP_MODULES)[number]['type'];
export const STEP_TYPES: readonly StepType[] = STEP_MODULES.map((module) => module.type);

const BY_TYPE = new Map<string, StepModule<any, any>>(STEP_MODULES.map((module) => [module.type, module]));

/** The module of a step type, or undefined for a type this version does not know (a draft may hold anything). */
export function stepModuleOf(type: string): StepModule<any, any> | undefined {
  return BY_TYPE.get(type);
}

/** A step as the admin API takes it: each type's configuration block in its input shape, all optional. */
export type StepConfigInputs = Partial<UnionToIntersection<ConfigInputOf<(typeof STEP_MODULES)[number]>>>;
type ConfigInputOf<M> = M extends StepModule<infer S, any, infer Input> ? { [K in keyof ConfigFieldsOf<S>]: Nullable<Input> } : never;

/** A step's configuration field(s) (`{ hold: HoldUntilConfig }`), without the fields every step has. */
export type ConfigFieldsOf<S> = S extends unknown ? Omit<S, 'key' | 'name' | 'type' | 'next'> : never;
export type UnionToIntersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void ? I : never;

/** The configuration fields of all types (`hold`, `wait`, ...), in registry order. */
export const CONFIG_KEYS: readonly string[] = STEP_MODULES.flatMap((module) => ('configKey' in module && module.configKey ? [module.configKey] : []));
