import { checkDuration } from '../filter-validation';
import { scheduleTimer, recordActivity } from '../transition';
import type { StepModule } from './step-module';

export interface WaitConfig {
  duration: string;
}

/** Waits a fixed time, then moves on. */
export interface WaitStep {
  key: string;
  name: string;
  type: 'WAIT';
  wait: WaitConfig;
  next?: string;
}

export const waitStep: StepModule<WaitStep, WaitConfig> = {
  type: 'WAIT',
  configKey: 'wait',
  takesNext: true,
  pauses: true,

  normalize: (wait) => ({ duration: wait.duration ?? '' }),

  validate(wait, { path, label }, _ctx, report) {
    checkDuration(wait.duration, `${path}.wait.duration`, 'duration', label, report);
  },

  enter(t, step) {
    scheduleTimer(t, 'WAIT_ELAPSED', step.key, step.wait.duration);
    return { kind: 'stop' };
  },

  onTimer(t, step, timer) {
    if (timer.kind !== 'WAIT_ELAPSED') return null;
    recordActivity(t, 'WAIT_ELAPSED', step.key, { duration: step.wait.duration });
    return { kind: 'next', next: step.next };
  },
};
