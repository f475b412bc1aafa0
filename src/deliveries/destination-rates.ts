import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { spacingMs, type RateLimit } from '../destinations/rate-limit';

/** A turn this close is waited for in the worker rather than by deferring the job. */
const WAIT_IN_PLACE_MS = 50;
const MAX_WAITS_IN_PLACE = 4;

/**
 * Destination rate limits, shared by every worker process: one row per destination holds when the next
 * attempt may start (`next_slot_at`). An attempt starts only after taking the slot, in one atomic statement
 * on PostgreSQL's clock, which moves it a spacing (period / max) further; so starts are at least a spacing
 * apart, and no span of a period holds more than `max` of them, however many workers try at once.
 *
 * An attempt refused its turn is not dropped and holds no slot of the worker: its job is put back to run
 * at a time reserved for it (`reserved_until`, also moved a spacing per reservation), so a backlog wakes one
 * job per turn, in the order they came, instead of all of them at every turn.
 */
export class DestinationRates {
  constructor(private readonly dataSource: DataSource) {}

  /** Null when the attempt may start now (its turn is taken); else when to try again. */
  async take(destinationId: string, limit: RateLimit): Promise<Date | null> {
    const spacing = spacingMs(limit);
    for (let waits = 0; ; waits++) {
      const taken: unknown[] = await this.dataSource.query(
        `INSERT INTO destination_rate_slots AS s (destination_id, next_slot_at, reserved_until)
         VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond', clock_timestamp())
         ON CONFLICT (destination_id) DO UPDATE SET next_slot_at = clock_timestamp() + $2 * interval '1 millisecond'
           WHERE s.next_slot_at <= clock_timestamp()
         RETURNING 1`,
        [destinationId, spacing],
      );
      if (taken.length > 0) return null;
      const [next]: { wait_ms: number }[] = await this.dataSource.query(
        `SELECT (extract(epoch FROM next_slot_at - clock_timestamp()) * 1000)::float8 AS wait_ms FROM destination_rate_slots WHERE destination_id = $1`,
        [destinationId],
      );
      if (waits >= MAX_WAITS_IN_PLACE || (next?.wait_ms ?? 0) > WAIT_IN_PLACE_MS) break;
      await sleep(Math.max(1, Math.ceil(next?.wait_ms ?? 0)));
    }
    const [reserved]: { at: Date }[] = await this.dataSource.query(
      `UPDATE destination_rate_slots SET reserved_until = GREATEST(reserved_until, next_slot_at, clock_timestamp()) + $2 * interval '1 millisecond'
       WHERE destination_id = $1 RETURNING reserved_until - $2 * interval '1 millisecond' AS at`,
      [destinationId, spacing],
    );
    return new Date(reserved.at);
  }
}
