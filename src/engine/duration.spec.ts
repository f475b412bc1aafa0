import { durationToMs } from './duration';

describe('durationToMs', () => {
  it.each([
    ['PT2S', 2_000],
    ['PT0.5S', 500],
    ['PT1H', 3_600_000],
    ['P3D', 3 * 86_400_000],
    ['P1W', 7 * 86_400_000],
  ])('reads %s', (text, ms) => expect(durationToMs(text)).toBe(ms));

  it.each(['', 'P', 'PT', '2S', '-PT1S', 'PT0S', 'soon'])('refuses %j', (text) => expect(durationToMs(text)).toBeNull());
});
