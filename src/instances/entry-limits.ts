import type { EntityManager } from 'typeorm';
import { AUDIENCE_ENTERED, AUDIENCE_EXITED, triggers, type EntryLimit, type JourneyDefinition, type TrackedEvent } from '../engine';
import { durationToMs } from '../engine/duration';

const journeyLockKey = (journeyId: string) => `entry-limit:${journeyId}`;

/**
 * Journeys' entry limits (at most N entries by all users, in total or within a rolling window), exact
 * under any number of workers: a runtime transaction that may admit users into a limited journey first
 * takes that journey's advisory lock (after its users' locks, all of them at once and in key order, so two
 * transactions never wait on each other in a cycle), then counts the journey's entries once and the ones
 * it makes itself. The lock is held until commit, so the count another transaction reads includes them.
 */
export class EntryLimits {
  private readonly counts = new Map<string, { stored: number; taken: number }>();

  private constructor(
    private readonly manager: EntityManager,
    private readonly locked: ReadonlySet<string>,
  ) {}

  /** Locks the limited journeys the events (or, where the workspace has audiences, audience changes) may start. */
  static async lock(manager: EntityManager, journeys: { id: string; definition: JourneyDefinition; mayTrigger: boolean }[]): Promise<EntryLimits> {
    const ids = journeys.filter((journey) => journey.definition.entry.limit && journey.mayTrigger).map((journey) => journey.id);
    const keys = [...new Set(ids)].sort();
    if (keys.length > 0) {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k) ordered`, [
        keys.map(journeyLockKey),
      ]);
    }
    return new EntryLimits(manager, new Set(keys));
  }

  /** Whether one more entry into the journey stays within its limit; if so, it is counted. */
  async take(journeyId: string, limit: EntryLimit, now: string): Promise<boolean> {
    // Not locked means not foreseen: an admission that could break the limit is refused, never let through.
    if (!this.locked.has(journeyId)) return false;
    let count = this.counts.get(journeyId);
    if (!count) {
      count = { stored: await this.storedEntries(journeyId, limit, now), taken: 0 };
      this.counts.set(journeyId, count);
    }
    if (count.stored + count.taken >= limit.max) return false;
    count.taken += 1;
    return true;
  }

  /** The journey's stored entries in the window (all of them without one), counted up to the limit at most. */
  private async storedEntries(journeyId: string, limit: EntryLimit, now: string): Promise<number> {
    const windowMs = limit.within ? durationToMs(limit.within) : null;
    const since = windowMs === null ? null : new Date(Date.parse(now) - windowMs).toISOString();
    const [row]: { n: number }[] = await this.manager.query(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM journey_instances WHERE journey_id = $1 AND NOT test AND ($2::timestamptz IS NULL OR entered_at > $2) LIMIT $3) counted`,
      [journeyId, since, limit.max],
    );
    return row.n;
  }
}

/** Whether any of the events triggers the journey, or an audience change (derived later, under the lock) may. */
export function mayTrigger(definition: JourneyDefinition, events: TrackedEvent[], withAudiences: boolean): boolean {
  if (definition.trigger.type === 'AUDIENCE') return withAudiences;
  if (withAudiences && [AUDIENCE_ENTERED, AUDIENCE_EXITED].includes(definition.trigger.event?.event ?? '')) return true;
  return events.some((event) => triggers(definition, event));
}
