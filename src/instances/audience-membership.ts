import { EntityManager } from 'typeorm';
import type { MembershipChange } from '../engine';

export interface StoredEvent {
  type: 'track' | 'identify' | 'page' | 'screen';
  event: string | null;
  timestamp: string;
}

/**
 * Audience membership as the runtime needs it, provided by the audiences module. Every call runs in
 * the runtime's transaction, under the user's lock, and persists what it changes.
 */
export abstract class AudienceMembership {
  /** Of these workspaces, those with audiences: in the others no event or time changes any membership. */
  abstract workspacesWithAudiences(manager: EntityManager, workspaceIds: string[]): Promise<Set<string>>;
  /** Re-evaluates the user's memberships that this stored event (or identify call) can change. */
  abstract afterEvent(manager: EntityManager, workspaceId: string, userId: string, event: StoredEvent): Promise<MembershipChange[]>;
  /** Re-evaluates the user's memberships whose time windows have slid since they were computed. */
  abstract afterTimePassed(manager: EntityManager, workspaceId: string, userId: string, now: Date): Promise<MembershipChange[]>;
  /** Of these audiences, those each of these users is in now (an empty set for a user in none). */
  abstract membershipsOf(manager: EntityManager, workspaceId: string, audienceIds: string[], userIds: string[]): Promise<Map<string, Set<string>>>;
  /** Current members, for admitting them when an audience journey with historical data is published. */
  abstract memberIds(manager: EntityManager, workspaceId: string, audienceId: string): Promise<string[]>;
  abstract audienceName(manager: EntityManager, audienceId: string): Promise<string>;
}
