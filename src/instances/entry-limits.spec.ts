import { AUDIENCE_ENTERED } from '../engine';
import { applicationAbandonment, seed, track } from '../engine/seed-events.fixture';
import { mayTrigger } from './entry-limits';

describe('mayTrigger: which limited journeys a runtime transaction locks before it applies events', () => {
  const started = track(seed.applicationStarted);
  const completed = track(seed.applicationCompleted);

  it('an event journey when one of the events is its trigger', () => {
    expect(mayTrigger(applicationAbandonment(), [completed, started], false)).toBe(true);
    expect(mayTrigger(applicationAbandonment(), [completed], true)).toBe(false);
  });

  it('an audience journey, or one triggered by an audience event, whenever audience changes may be derived', () => {
    const audience = { ...applicationAbandonment(), trigger: { type: 'AUDIENCE' as const, audienceId: 'aud-1', useHistoricalData: false } };
    expect(mayTrigger(audience, [completed], true)).toBe(true);
    expect(mayTrigger(audience, [completed], false)).toBe(false);
    const onEntered = { ...applicationAbandonment(), trigger: { type: 'EVENT' as const, event: { event: AUDIENCE_ENTERED, filters: [] }, useHistoricalData: false } };
    expect(mayTrigger(onEntered, [completed], true)).toBe(true);
  });
});
