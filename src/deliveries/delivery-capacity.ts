import type { FetchShare } from '../queue/fair-fetch';

/** How many attempts one process runs at once, in all and per destination and workspace. */
export interface DeliveryConcurrency {
  /** Attempts at once per process. */
  perProcess: number;
  /** Attempts at once to one destination: a destination that hangs holds this many slots at most. */
  perDestination: number;
  /** Attempts at once for one workspace, all its destinations together. */
  perWorkspace: number;
}

/**
 * One destination gets a third of the slots, as many as all deliveries shared before shares existed (a
 * healthy destination is as fast as it was); one workspace half. A hanging destination, or a workspace of
 * them, leaves at least half of the process's attempts to everyone else.
 */
export const DEFAULT_DELIVERY_CONCURRENCY: DeliveryConcurrency = { perProcess: 96, perDestination: 32, perWorkspace: 48 };

/**
 * Counts the attempts in flight per destination and per workspace in this process. An attempt that
 * would pass either share is not started (its job is deferred), so its slot goes to someone else.
 */
export class DeliveryCapacity {
  private readonly byDestination = new Map<string, number>();
  private readonly byWorkspace = new Map<string, number>();

  constructor(private readonly limits: Pick<DeliveryConcurrency, 'perDestination' | 'perWorkspace'>) {}

  /** A release function when a slot is free for this destination and workspace, else null. */
  tryTake(workspaceId: string, destinationId: string): (() => void) | null {
    if ((this.byDestination.get(destinationId) ?? 0) >= this.limits.perDestination) return null;
    if ((this.byWorkspace.get(workspaceId) ?? 0) >= this.limits.perWorkspace) return null;
    increment(this.byDestination, destinationId, 1);
    increment(this.byWorkspace, workspaceId, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      increment(this.byDestination, destinationId, -1);
      increment(this.byWorkspace, workspaceId, -1);
    };
  }

  /**
   * What the next fetch may take: room left per destination and per workspace (fair-fetch.ts). Room of
   * less than a quarter of a share counts as none: with a backlog, jobs are fetched a quarter share at a
   * time rather than one per finished attempt (each fetch is a durable commit).
   */
  shares(): FetchShare[] {
    const room = (counts: Map<string, number>, max: number) =>
      new Map([...counts].map(([key, n]) => [key, max - n < Math.ceil(max / 4) ? 0 : max - n]));
    return [
      { field: 'destinationId', free: room(this.byDestination, this.limits.perDestination), max: this.limits.perDestination },
      { field: 'workspaceId', free: room(this.byWorkspace, this.limits.perWorkspace), max: this.limits.perWorkspace },
    ];
  }
}

function increment(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
