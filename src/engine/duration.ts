import { parse, toSeconds } from 'iso8601-duration';

/**
 * ISO-8601 durations (`PT5S`, `PT1H`, `P3D`) in milliseconds, or `null` when the text is not one.
 * Months count as 30 days and years as 365, so a duration means the same span whenever it starts.
 */
export function durationToMs(text: string): number | null {
  if (typeof text !== 'string' || !text.startsWith('P')) return null;
  try {
    const ms = Math.round(toSeconds(parse(text)) * 1000);
    return Number.isFinite(ms) && ms > 0 ? ms : null;
  } catch {
    return null;
  }
}

/** For values already validated: throws instead of returning null. */
export function requireDurationMs(text: string): number {
  const ms = durationToMs(text);
  if (ms === null) throw new Error(`not a positive ISO-8601 duration: ${JSON.stringify(text)}`);
  return ms;
}
