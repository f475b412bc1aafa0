import { EntityManager } from 'typeorm';
import { performedClausesOf, type MembershipChange } from '../engine';
import { performedEventTimes } from '../instances/performed-counts';
import { evaluateAudience } from './audience-evaluation';
import { userWakeUp } from '../instances/user-wake-ups';
import type { JobRequest } from '../queue/queue.service';
import { AudienceStore, type DueRecheck, type MembershipDecision, type StoredAudience } from './audience-store';

export interface Reevaluation {
  changes: (MembershipChange & { userId: string })[];
  /** Rechecks that are new or moved: the caller wakes their users then (`wakeUpsFor`). */
  rechecks: DueRecheck[];
}

/**
 * Decides whether each of `userIds` belongs to each of `audiences` at `now`, from their current traits and
 * events; stores the changed memberships and every pair's next recheck; returns the changes. The caller
 * holds the users' locks, so nothing else decides the same pairs meanwhile.
 */
export async function reevaluateMemberships(
  manager: EntityManager,
  workspaceId: string,
  audiences: StoredAudience[],
  userIds: string[],
  now: Date,
): Promise<Reevaluation> {
  if (audiences.length === 0 || userIds.length === 0) return { changes: [], rechecks: [] };
  const clauses = audiences.flatMap((audience) => performedClausesOf(audience.condition));
  const traits = await AudienceStore.traitsOf(manager, workspaceId, userIds);
  const times = await performedEventTimes(manager, workspaceId, userIds, clauses, now);
  const decisions: (MembershipDecision & { wasMember: boolean })[] = [];
  const changes: (MembershipChange & { userId: string })[] = [];
  for (const audience of audiences) {
    const members = await AudienceStore.membersAmong(manager, audience.id, userIds);
    for (const userId of userIds) {
      const verdict = evaluateAudience(audience.condition, traits.get(userId) ?? {}, times.get(userId) ?? {}, now);
      const wasMember = members.has(userId);
      decisions.push({ audienceId: audience.id, userId, wasMember, ...verdict });
      if (verdict.member !== wasMember) {
        changes.push({ userId, audienceId: audience.id, audienceName: audience.name, entered: verdict.member, at: now.toISOString() });
      }
    }
  }
  const rechecks = await AudienceStore.record(manager, workspaceId, decisions, now);
  return { changes, rechecks };
}

/** One wake-up per user and instant, however many audiences are due then. */
export function wakeUpsFor(rechecks: DueRecheck[]): JobRequest[] {
  const byKey = new Map(rechecks.map((recheck) => [`${recheck.workspaceId}:${recheck.userId}:${recheck.dueAt.getTime()}`, recheck]));
  return [...byKey.values()].map(({ workspaceId, userId, dueAt }) => userWakeUp(workspaceId, userId, dueAt, 'audiences'));
}
