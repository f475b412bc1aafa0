import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ActivityDraft } from '../engine';
import { badUserInput } from '../common/errors';
import type { ScheduledSends } from '../deliveries/delivery-scheduler';
import { DestinationService } from '../destinations/destination.service';
import { checkFrequencyCaps, decideSends, longestWindowMs, type CountedSend, type FrequencyCap } from './frequency-cap';

/** What `apply` leaves of a runtime transaction's sends, and the records of those it refused, by idempotency key. */
export interface CappedSends {
  sends: ScheduledSends[];
  skipped: Map<string, ActivityDraft>;
}

/**
 * A workspace's frequency caps: at most N sends per user per rolling window, to all destinations or one.
 *
 * Exact under any number of workers: `apply` runs inside the runtime transaction, under the locks of the
 * users whose sends it decides (every delivery of a user is created under that user's lock), reads the
 * user's counted deliveries after taking the lock and counts the sends of its own transaction as it goes.
 * A send counts when its step runs and its delivery is queued, whatever the delivery's outcome later;
 * a skipped send and a transactional journey's send never count.
 */
@Injectable()
export class FrequencyCaps {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly destinations: DestinationService,
  ) {}

  async list(workspaceId: string, manager: EntityManager = this.dataSource.manager): Promise<FrequencyCap[]> {
    const [row]: { frequency_caps: FrequencyCap[] }[] = await manager.query(`SELECT frequency_caps FROM workspaces WHERE id = $1`, [workspaceId]);
    return row?.frequency_caps ?? [];
  }

  /** Replaces the workspace's caps; refuses them all, naming every problem, if any is wrong. */
  async set(workspaceId: string, caps: FrequencyCap[]): Promise<FrequencyCap[]> {
    const normalized = caps.map((cap) => (cap.destinationId == null ? { max: cap.max, within: cap.within } : { max: cap.max, within: cap.within, destinationId: cap.destinationId }));
    const destinationIds = new Set((await this.destinations.list(workspaceId)).map((destination) => destination.id));
    const problems = checkFrequencyCaps(normalized, destinationIds);
    if (problems.length > 0) throw badUserInput(problems);
    await this.dataSource.query(`UPDATE workspaces SET frequency_caps = $2::jsonb WHERE id = $1`, [workspaceId, JSON.stringify(normalized)]);
    return normalized;
  }

  /**
   * The sends the caps let go, in `manager`'s transaction, which holds the users' locks. One query for the
   * workspaces' caps, one per capped workspace for its users' recent sends.
   */
  async apply(manager: EntityManager, sends: ScheduledSends[]): Promise<CappedSends> {
    const skipped = new Map<string, ActivityDraft>();
    const capped = sends.filter((send) => !send.transactional);
    if (capped.length === 0) return { sends, skipped };
    const rows: { id: string; frequency_caps: FrequencyCap[] }[] = await manager.query(
      `SELECT id, frequency_caps FROM workspaces WHERE id = ANY($1::uuid[]) AND frequency_caps <> '[]'::jsonb`,
      [[...new Set(capped.map((send) => send.origin.workspaceId))]],
    );
    if (rows.length === 0) return { sends, skipped };
    const now = new Date().toISOString();
    for (const { id: workspaceId, frequency_caps: caps } of rows) {
      const ofWorkspace = sends.filter((send) => send.origin.workspaceId === workspaceId);
      const recent = await this.recentSends(manager, workspaceId, [...new Set(ofWorkspace.map((send) => send.origin.userId))], longestWindowMs(caps));
      for (const send of ofWorkspace) {
        const counted = recent.get(send.origin.userId) ?? [];
        recent.set(send.origin.userId, counted);
        const decisions = decideSends(caps, counted, send.requests.map((request) => ({ destinationId: request.destinationId, transactional: !!send.transactional })));
        send.requests.forEach((request, i) => {
          const cap = decisions[i];
          if (!cap) return;
          skipped.set(request.idempotencyKey, {
            type: 'SEND_SKIPPED',
            stepKey: request.stepKey,
            at: now,
            detail: { reason: 'FREQUENCY_CAP', destinationId: request.destinationId, idempotencyKey: request.idempotencyKey, cap: { max: cap.max, within: cap.within, destinationId: cap.destinationId ?? null } },
          });
        });
      }
    }
    if (skipped.size === 0) return { sends, skipped };
    const kept = sends
      .map((send) => ({ ...send, requests: send.requests.filter((request) => !skipped.has(request.idempotencyKey)) }))
      .filter((send) => send.requests.length > 0);
    return { sends: kept, skipped };
  }

  /** The users' counted sends of the last `windowMs`, aged by PostgreSQL's clock (the one that stamped them). */
  private async recentSends(manager: EntityManager, workspaceId: string, userIds: string[], windowMs: number): Promise<Map<string, CountedSend[]>> {
    const rows: { user_id: string; destination_id: string; age_ms: number }[] = await manager.query(
      `SELECT user_id, destination_id, (extract(epoch FROM now() - created_at) * 1000)::float8 AS age_ms
         FROM deliveries
        WHERE workspace_id = $1 AND user_id = ANY($2::text[]) AND NOT transactional AND created_at > now() - $3 * interval '1 millisecond'`,
      [workspaceId, userIds, windowMs],
    );
    const byUser = new Map<string, CountedSend[]>();
    for (const row of rows) {
      const list = byUser.get(row.user_id) ?? [];
      list.push({ destinationId: row.destination_id, ageMs: row.age_ms });
      byUser.set(row.user_id, list);
    }
    return byUser;
  }
}
