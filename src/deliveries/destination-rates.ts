import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { spacingMs, type RateLimit } from '../destinations/rate-limit';

/** How long an attempt whose turn has come waits in the worker for the previous one's spacing to pass. */
const MAX_WAIT_IN_PLACE_MS = 1_000;

/** Start the attempt now (`startedAt` on PostgreSQL's clock), or put the job back to run at its turn. */
export type RateDecision = { startNow: true; startedAt: Date } | { startNow: false; turnAt: Date };

/**
 * Destination rate limits, shared by every worker process through one row per destination:
 * - `reserved_until`: the end of the turns handed out. An attempt without a turn takes the next one, a
 *   spacing (period / max) after the last, in one atomic statement; unless that turn is now, its job is put
 *   back to run then (it is not dropped, and it holds no worker slot meanwhile). A backlog thus wakes one
 *   job per turn, in the order they came, instead of all of them at every turn.
 * - `next_slot_at`: when the next attempt may start. An attempt whose turn has come starts only after
 *   moving it a spacing past now, atomically on PostgreSQL's clock; so starts are at least a spacing apart,
 *   and no span of a period holds more than `max`, however many workers try at once. A job that runs a
 *   little after its turn, behind a late one, waits in place for its start (at most a second).
 */
export class DestinationRates {
  constructor(private readonly dataSource: DataSource) {}

  async take(destinationId: string, limit: RateLimit, turnAt: Date | null): Promise<RateDecision> {
    const spacing = spacingMs(limit);
    if (!turnAt || turnAt.getTime() > Date.now() + spacing) {
      const [turn]: { at: Date; due: boolean }[] = await this.dataSource.query(
        `INSERT INTO destination_rate_slots AS s (destination_id, next_slot_at, reserved_until)
         VALUES ($1, clock_timestamp(), clock_timestamp() + $2 * interval '1 millisecond')
         ON CONFLICT (destination_id) DO UPDATE SET reserved_until = GREATEST(s.reserved_until, clock_timestamp()) + $2 * interval '1 millisecond'
         RETURNING reserved_until - $2 * interval '1 millisecond' AS at, reserved_until - $2 * interval '1 millisecond' <= clock_timestamp() AS due`,
        [destinationId, spacing],
      );
      if (!turn.due) return { startNow: false, turnAt: new Date(turn.at) };
    }
    const deadline = Date.now() + MAX_WAIT_IN_PLACE_MS;
    for (;;) {
      const [slot]: { started_at: Date | null; wait_ms: number }[] = await this.dataSource.query(
        `WITH taken AS (
           UPDATE destination_rate_slots SET next_slot_at = clock_timestamp() + $2 * interval '1 millisecond'
           WHERE destination_id = $1 AND next_slot_at <= clock_timestamp() RETURNING next_slot_at - $2 * interval '1 millisecond' AS started_at)
         SELECT (SELECT started_at FROM taken) AS started_at,
                (SELECT (extract(epoch FROM next_slot_at - clock_timestamp()) * 1000)::float8 FROM destination_rate_slots WHERE destination_id = $1) AS wait_ms`,
        [destinationId, spacing],
      );
      if (slot.started_at) return { startNow: true, startedAt: new Date(slot.started_at) };
      const wait = Math.max(1, Math.ceil(slot.wait_ms ?? 1));
      if (Date.now() + wait > deadline) return this.take(destinationId, limit, null);
      await sleep(wait);
    }
  }
}
