import { countedSteps } from '../draft-validation';
import type { DraftStep } from '../definition';
import { stepReferences } from '../step-graph';
import { CONFIG_KEYS, STEP_MODULES, STEP_TYPES, stepModuleOf } from './registry';

describe('the step registry', () => {
  it('knows every step type once, each under its own configuration field', () => {
    expect(new Set(STEP_TYPES).size).toBe(STEP_MODULES.length);
    expect(new Set(CONFIG_KEYS).size).toBe(CONFIG_KEYS.length);
    for (const type of STEP_TYPES) expect(stepModuleOf(type)?.type).toBe(type);
  });

  it('has a normalizer for every configuration a type takes', () => {
    for (const module of STEP_MODULES) {
      if ('configKey' in module && module.configKey) expect(typeof module.normalize).toBe('function');
    }
  });

  it('says which types pause: only a hold or a wait breaks a loop', () => {
    expect(STEP_MODULES.filter((module) => module.pauses).map((module) => module.type)).toEqual(['HOLD_UNTIL', 'WAIT', 'WAIT_UNTIL', 'WAIT_FOR_CONDITION']);
  });

  it('reads references from the step type only, not from configuration of other types a draft carries', () => {
    const step = { key: 'a', name: 'a', type: 'WAIT', next: 'b', wait: { duration: 'PT1H' }, split: { trueNext: 'c' } } as unknown as DraftStep;
    expect(stepReferences(step)).toEqual([{ path: 'next', target: 'b' }]);
  });

  it('does not know a type it has no module for', () => {
    expect(stepModuleOf('TELEPORT')).toBeUndefined();
    expect(stepModuleOf('constructor')).toBeUndefined();
    expect(stepReferences({ key: 'a', name: 'a', type: 'TELEPORT', next: 'b' } as unknown as DraftStep)).toEqual([]);
  });

  it('counts a MULTI_BRANCH as its branches and any other step as one', () => {
    const steps = [
      { key: 'm', name: 'm', type: 'MULTI_BRANCH', multiBranch: { branches: [{ key: 'x' }, { key: 'y' }, { key: 'z' }] } },
      { key: 'e', name: 'e', type: 'END' },
    ] as unknown as DraftStep[];
    expect(countedSteps(steps)).toBe(4);
  });
});
