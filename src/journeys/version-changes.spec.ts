import type { JourneyDefinition } from '../engine/definition';
import { describeChanges } from './version-changes';

const v1: JourneyDefinition = {
  trigger: { type: 'EVENT', event: { event: 'Signed_Up', filters: [] }, useHistoricalData: false },
  entry: { mode: 'ONCE' },
  exit: [],
  startStep: 'wait',
  steps: [
    { key: 'wait', name: 'Wait', type: 'WAIT', wait: { duration: 'PT1H' }, next: 'welcome' },
    { key: 'welcome', name: 'Welcome', type: 'END' },
    { key: 'old', name: 'Old', type: 'END' },
  ] as JourneyDefinition['steps'],
};

describe('describeChanges', () => {
  it('names steps added, removed and changed by key, and the parts that changed, in a sentence', () => {
    const v2: JourneyDefinition = {
      ...v1,
      entry: { mode: 'REENTER_EVERY_TIME' },
      steps: [
        { key: 'wait', name: 'Wait', type: 'WAIT', wait: { duration: 'PT2H' }, next: 'welcome' },
        { key: 'welcome', name: 'Welcome', type: 'END' },
        { key: 'fresh', name: 'Fresh', type: 'END' },
      ] as JourneyDefinition['steps'],
    };
    expect(describeChanges(v1, v2)).toEqual({
      stepsAdded: ['fresh'],
      stepsRemoved: ['old'],
      stepsChanged: ['wait'],
      partsChanged: ['entry'],
      summary: 'Added step fresh, removed step old, changed step wait and changed the entry.',
    });
  });

  it('says when nothing changed, and what a first version holds', () => {
    expect(describeChanges(v1, JSON.parse(JSON.stringify(v1))).summary).toBe('No changes.');
    expect(describeChanges(null, v1)).toMatchObject({ stepsAdded: ['wait', 'welcome', 'old'], summary: 'First version.' });
  });

  it('treats an absent optional part and an undefined one alike', () => {
    expect(describeChanges({ ...v1, goal: undefined }, v1).partsChanged).toEqual([]);
    expect(describeChanges(v1, { ...v1, goal: { match: { event: 'Bought', filters: [] } } }).partsChanged).toEqual(['goal']);
  });
});
