import { endInstanceAs } from '../transition';
import type { StepModule } from './step-module';

/** Completes the instance. */
export interface EndStep {
  key: string;
  name: string;
  type: 'END';
}

export const endStep: StepModule<EndStep> = {
  type: 'END',
  takesNext: false,
  nextAdvice: 'it ends the instance',
  pauses: false,

  enter(t, step) {
    endInstanceAs(t, { status: 'COMPLETED' }, step.key);
    return { kind: 'stop' };
  },
};
