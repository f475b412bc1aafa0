import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { MembershipChange } from '../engine';
import { AudienceMembership, type StoredEvent } from '../instances/audience-membership';
import { AudienceStore } from './audience-store';
import { QueueService } from '../queue/queue.service';
import { reevaluateMemberships, wakeUpsFor, type Reevaluation } from './reevaluate-memberships';

/**
 * Keeps memberships current one user at a time, as the runtime applies that user's events and due rechecks
 * (under the user's lock, in its transaction). An event re-evaluates only the audiences it can change, for
 * that user only; nothing here ever walks every profile.
 */
@Injectable()
export class AudienceMembershipService extends AudienceMembership {
  constructor(private readonly queue: QueueService) {
    super();
  }

  async workspacesWithAudiences(manager: EntityManager, workspaceIds: string[]): Promise<Set<string>> {
    const rows: { workspace_id: string }[] = await manager.query('SELECT DISTINCT workspace_id FROM audiences WHERE workspace_id = ANY($1::uuid[])', [workspaceIds]);
    return new Set(rows.map((row) => row.workspace_id));
  }

  async afterEvent(manager: EntityManager, workspaceId: string, userId: string, event: StoredEvent): Promise<MembershipChange[]> {
    const candidates = await AudienceStore.affectedBy(manager, workspaceId, event);
    const affected = candidates.filter((audience) => audience.affected);
    const holdingWhenEmpty = candidates.filter((audience) => !audience.affected);
    // A profile is in a "zero Order Completed" audience before doing anything that audience names.
    if (holdingWhenEmpty.length > 0 && (await AudienceStore.firstContact(manager, workspaceId, userId))) affected.push(...holdingWhenEmpty);
    return this.wakeAndReport(manager, await reevaluateMemberships(manager, workspaceId, affected, [userId], new Date()));
  }

  async afterTimePassed(manager: EntityManager, workspaceId: string, userId: string, now: Date): Promise<MembershipChange[]> {
    const due = await AudienceStore.dueForUser(manager, workspaceId, userId, now);
    return this.wakeAndReport(manager, await reevaluateMemberships(manager, workspaceId, due, [userId], now));
  }

  membershipsOf(manager: EntityManager, workspaceId: string, audienceIds: string[], userIds: string[]): Promise<Map<string, Set<string>>> {
    return AudienceStore.membershipsOf(manager, workspaceId, audienceIds, userIds);
  }

  memberIds(manager: EntityManager, workspaceId: string, audienceId: string): Promise<string[]> {
    return AudienceStore.memberIds(manager, workspaceId, audienceId);
  }

  async audienceName(manager: EntityManager, audienceId: string): Promise<string> {
    return (await AudienceStore.name(manager, audienceId)) ?? audienceId;
  }

  /** Wakes the user when time alone can next change a membership, in the runtime's transaction. */
  private async wakeAndReport(manager: EntityManager, { changes, rechecks }: Reevaluation): Promise<MembershipChange[]> {
    await this.queue.enqueue(wakeUpsFor(rechecks), manager);
    return withoutUser(changes);
  }
}

function withoutUser(changes: (MembershipChange & { userId: string })[]): MembershipChange[] {
  return changes.map(({ userId: _userId, ...change }) => change);
}
