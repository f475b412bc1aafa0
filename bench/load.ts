/**
 * Bounded load loops and the statistics the report needs. Every loop stops at a count and at a time
 * limit, whichever comes first, and only ever talks to the URLs it is given (127.0.0.1 here).
 */
import { readFileSync } from 'node:fs';

export interface ClosedLoopResult {
  /** Operations that succeeded (their `run` resolved true). */
  ok: number;
  failed: number;
  elapsedMs: number;
  /** Duration of each successful operation, ms. */
  latencies: number[];
}

/**
 * `concurrency` workers each run `run(i)` back to back until `maxOps` operations were started or
 * `maxMs` has passed; returns when all started operations finished.
 */
export async function closedLoop(
  { concurrency, maxOps, maxMs }: { concurrency: number; maxOps: number; maxMs: number },
  run: (i: number) => Promise<boolean>,
): Promise<ClosedLoopResult> {
  const started = performance.now();
  const deadline = started + maxMs;
  let next = 0;
  let ok = 0;
  let failed = 0;
  const latencies: number[] = [];
  const worker = async () => {
    while (next < maxOps && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      let success = false;
      try {
        success = await run(i);
      } catch {
        success = false;
      }
      if (success) {
        ok++;
        latencies.push(performance.now() - t0);
      } else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ok, failed, elapsedMs: performance.now() - started, latencies };
}

export interface OpenLoopResult {
  sent: number;
  ok: number;
  failed: number;
  /** Operations not started on time because `maxInFlight` were still running (the system fell behind). */
  late: number;
  elapsedMs: number;
}

/**
 * Starts `run(i)` at a fixed `rate` per second, whatever the answers' speed (an open loop, as real
 * traffic is), `count` times in all; refuses to have more than `maxInFlight` running at once.
 */
export async function openLoop(
  { rate, count, maxMs, maxInFlight = 512 }: { rate: number; count: number; maxMs: number; maxInFlight?: number },
  run: (i: number) => Promise<boolean>,
): Promise<OpenLoopResult> {
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let ok = 0;
  let failed = 0;
  let late = 0;
  let sent = 0;
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    if (due > started + maxMs) break;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    if (inFlight.size >= maxInFlight) {
      late++;
      await Promise.race(inFlight);
    }
    const op: Promise<void> = run(i)
      .then((success) => void (success ? ok++ : failed++))
      .catch(() => void failed++)
      .finally(() => inFlight.delete(op));
    inFlight.add(op);
    sent++;
  }
  await Promise.all(inFlight);
  return { sent, ok, failed, late, elapsedMs: performance.now() - started };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `probe` is truthy or `maxMs` passed; returns whether it became true. */
export async function pollUntil(probe: () => Promise<boolean>, { maxMs, intervalMs = 200 }: { maxMs: number; intervalMs?: number }): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `values` (ms or any unit). */
export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { n: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return { n: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1] };
}

/** Resident set size of a process, in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** Samples a process's RSS every `intervalMs` until stopped; reports the last and the peak value. */
export function sampleRss(pid: number, intervalMs = 250): { stop(): { last: number; peak: number } } {
  let last = rssMb(pid);
  let peak = last;
  const timer = setInterval(() => {
    try {
      last = rssMb(pid);
      peak = Math.max(peak, last);
    } catch {
      // The process is gone; keep the last value.
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return { last, peak };
    },
  };
}

export const round = (value: number, digits = 0) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : NaN);
