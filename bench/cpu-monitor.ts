/**
 * How busy the machine was during a run, and how much of that was someone else's: the figures are only
 * as good as the machine was quiet. Reads /proc (Linux): total CPU time from /proc/stat, and the CPU
 * time of the benchmark's own processes (this one, Itinera's, PostgreSQL's server and its backends).
 */
import { readdirSync, readFileSync } from 'node:fs';

function processTicks(pid: number): { ticks: number; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

function machineTicks(): { busy: number; total: number } {
  const values = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - values[3] - values[4], total };
}

export interface CpuUse {
  /** Of all cores, over the measured period. */
  busyPercent: number;
  /** Share of all cores used by processes that are not the benchmark's. */
  othersPercent: number;
}

/** Tracks our processes' CPU: the roots and all their descendants (an exited one keeps its last reading). */
export class CpuMonitor {
  private readonly seen = new Map<number, number>();
  private start = machineTicks();
  private ownStart = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly roots: () => number[]) {
    this.ownStart = this.sampleOwn();
    this.timer = setInterval(() => this.sampleOwn(), 1000);
    this.timer.unref();
  }

  /** CPU use since the last call (or construction). */
  take(): CpuUse {
    const now = machineTicks();
    const own = this.sampleOwn();
    const total = now.total - this.start.total;
    const busy = now.busy - this.start.busy;
    const ours = own - this.ownStart;
    this.start = now;
    this.ownStart = own;
    return { busyPercent: (busy / total) * 100, othersPercent: Math.max(0, ((busy - ours) / total) * 100) };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Ticks used so far by our process trees; processes that exited keep their last reading. */
  private sampleOwn(): number {
    const children = new Map<number, number[]>();
    const ticks = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid)) continue;
      const info = processTicks(pid);
      if (!info) continue;
      ticks.set(pid, info.ticks);
      children.set(info.ppid, [...(children.get(info.ppid) ?? []), pid]);
    }
    const stack = [...this.roots()];
    while (stack.length) {
      const pid = stack.pop()!;
      const value = ticks.get(pid);
      if (value !== undefined) this.seen.set(pid, value);
      stack.push(...(children.get(pid) ?? []));
    }
    let sum = 0;
    for (const value of this.seen.values()) sum += value;
    return sum;
  }
}
