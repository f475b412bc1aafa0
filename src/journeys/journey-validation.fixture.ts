import { Problem } from '../engine/definition';
import { DEFAULT_JOURNEY_LIMITS } from './journey-limits';
import {
  ConditionInputShape,
  DestinationSummary,
  JourneyInputShape,
  StepInputShape,
  validateJourneyInput,
  ValidationContext,
} from './journey-validation';

/** The journeys and helpers the journey-validation specs share. */
export type DeepMutable<T> = T extends readonly (infer U)[]
  ? DeepMutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: DeepMutable<T[K]> }
    : T;
export type Input = DeepMutable<JourneyInputShape>;
export type Step = DeepMutable<StepInputShape>;

export const WEBHOOK = 'webhook-destination';
export const destinations = new Map<string, DestinationSummary>([
  [WEBHOOK, { plugin: 'webhook', actions: new Map([['send', { fields: { data: { required: true } } }]]) }],
  [
    'crm-destination',
    {
      plugin: 'crm',
      actions: new Map([
        ['upsertContact', { fields: { email: { required: true }, userId: { required: true, default: { '@path': '$.userId' } }, note: {} } }],
      ]),
    },
  ],
]);

/** The application-abandonment journey of the use-case guide: hold 2 hours for completion, else nudge. */
export function applicationAbandonment(): Input {
  return {
    name: 'Application abandonment nudge',
    trigger: { type: 'EVENT', event: { event: 'Application_Started', filters: [{ path: 'properties.Tier', operator: 'EQUALS', values: ['Premium'] }] } },
    entry: { mode: 'REENTER_EVERY_TIME', uniqueIdentifier: 'properties.Application_id' },
    steps: [
      {
        key: 'wait_for_completion',
        name: 'Wait for completion',
        type: 'HOLD_UNTIL',
        hold: {
          branches: [{ key: 'completed', match: { event: 'Application_Completed' } }],
          maxDuration: 'PT2H',
          timeoutNext: 'application_nudge',
        },
      },
      sendStep('application_nudge'),
    ],
  };
}

export function sendStep(key: string, next?: string): Step {
  return {
    key,
    name: key.replace(/_/g, ' '),
    type: 'SEND',
    next,
    send: { destinationId: WEBHOOK, action: 'send', mapping: { data: { user: { '@path': '$.userId' } } } },
  };
}

export function endStep(key: string): Step {
  return { key, name: key, type: 'END' };
}

/** The journey with a SPLIT on `condition` between the hold's timeout and the nudge. */
export function withSplit(condition: ConditionInputShape): Input {
  const input = applicationAbandonment();
  input.steps[0].hold!.timeoutNext = 'check_tier';
  input.steps.push({ key: 'check_tier', name: 'Check tier', type: 'SPLIT', split: { condition, trueNext: 'application_nudge' } } as Step);
  return input;
}

export function validate(input: Input, ctx: Partial<ValidationContext> = {}) {
  return validateJourneyInput(input as JourneyInputShape, { limits: DEFAULT_JOURNEY_LIMITS, destinations, ...ctx });
}

export function problemsOf(input: Input, ctx: Partial<ValidationContext> = {}): Problem[] {
  return validate(input, ctx).problems;
}

/** The application journey, changed by `change`. */
export function journey(change: (input: Input) => void): Input {
  const input = applicationAbandonment();
  change(input);
  return input;
}
