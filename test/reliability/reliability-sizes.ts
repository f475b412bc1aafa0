/**
 * Sizes of the reliability tests. The defaults keep `npm test` fast; `npm run bench -- --reliability`
 * runs the same tests bigger (see bench/reliability.ts) through these variables.
 */
export function reliabilitySize(name: string, fallback: number): number {
  const raw = process.env[`ITINERA_RELIABILITY_${name}`];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`ITINERA_RELIABILITY_${name} must be a positive number, not ${JSON.stringify(raw)}`);
  return value;
}

/** Per-test time limit: generous for the defaults, longer for heavy runs. */
export const RELIABILITY_TIMEOUT_MS = reliabilitySize('TIMEOUT_MS', 90_000);
